"""Reports: terminal tables, Markdown pages and plots."""
