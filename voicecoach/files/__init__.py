"""Where files go and how they are made safely: output paths and their checks, new text
files written whole, and temporary parts named after the process that owns them."""
