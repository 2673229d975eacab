"""learndyn's own experiment families, one folder per body of work, each written on the public API."""
