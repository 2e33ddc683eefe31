"""What the tests and the benchmarks share: real files, the CLI in a subprocess, free ports, real
servers, the headless browser. Not part of the wheel."""
