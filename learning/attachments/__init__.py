"""Module attachments: PDFs and images a module offers as downloads."""
