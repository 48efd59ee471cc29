"""Reference geography: the region, its provinces and communes."""
