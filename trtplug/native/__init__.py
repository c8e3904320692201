"""Build stage: host compiler invocation and native source locations."""
