"""Small modal pickers: choose one of a list (reassign), or answer yes/no (quit)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList
from textual.widgets.option_list import Option

__all__ = ["ChooseScreen", "ConfirmScreen", "QuitScreen"]

_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: auto; min-width: 40; max-width: 90%; height: auto; max-height: 90%;
    border: thick $primary; background: $surface; padding: 0 1;
}}
{name} Horizontal {{ height: auto; align-horizontal: right; }}
{name} Button {{ margin: 0 1; }}
"""


class ChooseScreen(ModalScreen[str | None]):
    """Pick one value; ``options`` are (value, label)."""

    DEFAULT_CSS = _CSS.format(name="ChooseScreen")
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="choose_cancel")]

    def __init__(self, title: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield OptionList(*[Option(label, id=value) for value, label in self.options])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = (
        _CSS.format(name="ConfirmScreen")
        + """
    ConfirmScreen > Vertical { width: 80%; max-width: 76; }
    ConfirmScreen Label { width: 1fr; }
    """
    )  # a long question wraps, never runs off the dialog
    BINDINGS = [
        Binding("y", "dismiss(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "dismiss(False)", "No", id="confirm_no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            with Horizontal():
                yield Button("Yes (y)", variant="error", id="yes")
                yield Button("No (n)", variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class QuitScreen(ConfirmScreen):
    """The question before quitting while attempts run (one at a time): ``y`` stops them,
    ``h`` hands the run over to a service (:attr:`handover` set, then dismissed with True),
    ``n`` stays."""

    BINDINGS = [
        *ConfirmScreen.BINDINGS,
        Binding("h", "hand_over", "Hand over to a service", id="confirm_handover"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__(question)
        self.handover = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            with Horizontal():
                yield Button("Hand over to a service (h)", variant="success", id="handover")
                yield Button("Stop (y)", variant="error", id="yes")
                yield Button("Stay (n)", variant="primary", id="no")

    def action_hand_over(self) -> None:
        self.handover = True
        self.dismiss(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "handover":
            self.action_hand_over()
        else:
            self.dismiss(event.button.id == "yes")
