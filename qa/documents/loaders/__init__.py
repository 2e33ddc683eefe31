"""One reader per family of formats: markup (Markdown, MDX, reStructuredText, HTML, EPUB),
office (PowerPoint, Excel, CSV), mail (.eml), scans (OCR of image-only PDF pages and images).
Each returns pages with their place in the file (``qa.documents.pages.Page``) and refuses a
file it cannot read with one ``DocumentError`` line."""
