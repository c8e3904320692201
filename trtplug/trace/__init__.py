"""Trace stage: symbolic execution of output_shapes/workspace/enqueue into expressions and launches."""
