"""Testing support: cases and references, device memory, running plugins through a built library."""
