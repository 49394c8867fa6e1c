"""One module per format; each turns text into facts and never touches the filesystem."""
