"""drc.core.progress draws a bar on a terminal only."""
import io

from drc.core.progress import enabled, progress


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self):
        return True


def test_not_a_terminal_gives_the_items_back_unchanged():
    items = [1, 2, 3]
    stream = io.StringIO()
    assert not enabled(stream)
    assert progress(items, "steps", stream=stream) is items
    assert stream.getvalue() == ""


def test_a_terminal_gets_a_bar_and_every_item():
    tty = Terminal()
    assert enabled(tty)
    assert list(progress(range(5), "steps", stream=tty)) == [0, 1, 2, 3, 4]
    assert "steps:" in tty.getvalue() and "/5 [" in tty.getvalue()
