"""The errors trtplug raises. Every message names what was wrong and where."""


class TrtPlugError(Exception):
    """Base class of every error trtplug raises on purpose."""


class DefinitionError(TrtPlugError):
    """A TrtPlugin class declares something invalid (raised at class creation or trace time)."""


class TraceError(DefinitionError):
    """`output_shapes`, `workspace` or `enqueue` did something that cannot be traced."""


class KernelCompileError(TrtPlugError):
    """A Numba kernel could not be compiled ahead of time, or uses an unsupported feature."""


class BuildError(TrtPlugError):
    """The host compiler failed. Carries the command and the tail of its output."""

    def __init__(self, message, command=None, output=""):
        self.command = command
        self.output = output
        text = message
        if command:
            text += "\n  command: " + " ".join(str(c) for c in command)
        if output:
            lines = output.strip().splitlines()
            # The first error is the cause; later ones often follow from it and may push it out of the tail.
            first = next((l for l in lines if "error:" in l), None)
            if first is not None and first not in lines[-40:]:
                text += "\n  first error: " + first.strip()
            text += "\n  compiler output (tail):\n" + "\n".join("    " + l for l in lines[-40:])
        super().__init__(text)


class HeadersNotFoundError(BuildError):
    """TensorRT (or CUDA) headers needed for the build were not found."""


class LoadError(TrtPlugError):
    """A built library could not be loaded, or does not hold what was expected."""


class NativeError(TrtPlugError):
    """The native runtime returned a failure status; the message is its log line."""

    def __init__(self, message, status=None):
        self.status = status
        super().__init__(message)


def import_optional(module: str, what: str, unavailable: type[TrtPlugError]):
    """`module`, or `unavailable` saying that `what` is not importable here (and why)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise unavailable(f"{what} is not importable ({exc})") from exc
