"""Generate stage: C++ sources rendered from jinja2 templates (templates/ beside the renderers)."""
