"""The channels of a follow-up action, defined once: what contact data each needs, whether it reaches the
customer (and so counts against the contact cap and quiet days), whether a person does it (a task), whether it
is a posted document, whether the accounting system itself sends it. The planner and both writers read this;
adding a channel is one entry here (and in `Channel`) plus its templates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from connector.models import Channel, Customer


@dataclass(frozen=True)
class ChannelInfo:
    needs: Literal["email", "address", "phone"] | None  # the contact data the customer must have
    contact: bool  # reaches the customer: counts against the contact cap, waits for a working day
    task: bool  # done by a person (an activity in Odoo, a worklist line in QuickBooks)
    letter: bool = False  # a document printed and posted (its PDF is attached)
    sent: bool = False  # the accounting system sends it itself (an e-mail through Odoo or QuickBooks)
    reader: Literal["customer", "staff"] = "staff"  # who reads its text: the debtor, or the company's people
    template: str = "reminder"  # its text when a level falls back to it from a channel read by the other reader


CHANNELS: dict[str, ChannelInfo] = {
    "email": ChannelInfo(needs="email", contact=True, task=False, sent=True, reader="customer", template="reminder"),
    "call_task": ChannelInfo(needs="phone", contact=True, task=True, template="call"),
    "letter": ChannelInfo(needs="address", contact=True, task=True, letter=True, reader="customer", template="letter"),
    "registered_letter": ChannelInfo(needs="address", contact=True, task=True, letter=True, reader="customer",
                                     template="formal_notice"),
    "agency_handoff": ChannelInfo(needs=None, contact=False, task=True, template="agency"),
    "credit_hold": ChannelInfo(needs=None, contact=False, task=False, template="credit_hold"),
    # the hold lifted once nothing is overdue any more: tag removed, invoicing warning restored, a note
    "hold_release": ChannelInfo(needs=None, contact=False, task=False, template="hold_release"),
    "note": ChannelInfo(needs=None, contact=False, task=False, template="call"),
}
assert set(CHANNELS) == set(Channel.__args__)  # type: ignore[attr-defined]
# The shipped templates and who reads each: a policy level may not give a customer channel a staff text (or the
# reverse), and a level that falls back to a channel of the other reader takes that channel's template.
TEMPLATES: dict[str, Literal["customer", "staff"]] = {
    "courtesy": "customer", "reminder": "customer", "letter": "customer", "formal_notice": "customer",
    "final_notice": "customer", "hold_notice": "customer", "call": "staff", "agency": "staff", "credit_hold": "staff",
    "hold_release": "staff",
}
assert all(TEMPLATES[i.template] == i.reader for i in CHANNELS.values() if i.template in TEMPLATES)
TaskChannel = Literal["call_task", "letter", "registered_letter", "agency_handoff"]  # an adapter maps each to a task

CONTACT = frozenset(c for c, i in CHANNELS.items() if i.contact)
TASKS = frozenset(c for c, i in CHANNELS.items() if i.task)
assert TASKS == set(TaskChannel.__args__)  # type: ignore[attr-defined]
LETTERS = frozenset(c for c, i in CHANNELS.items() if i.letter)
SENT = frozenset(c for c, i in CHANNELS.items() if i.sent)
# When neither a level's channel nor its fallbacks can reach the customer: a task to obtain the contact data.
LAST_RESORT = "call_task"
_NEED_WORDS = {"email": "email address", "address": "postal address", "phone": "phone number"}


def template_for(level_channel: str, level_template: str, channel: str) -> str:
    """The template of a level sent on `channel`: the level's own, unless the level fell back from a channel
    whose text another reader reads. An internal call instruction is never mailed to a customer, and a letter
    to the customer never becomes a colleague's task text."""
    if CHANNELS[level_channel].reader == CHANNELS[channel].reader:
        return level_template
    return CHANNELS[channel].template


def available(channel: str, c: Customer) -> bool:
    """Whether the customer has the contact data `channel` needs."""
    needs = CHANNELS[channel].needs
    return {"email": c.has_email, "address": c.has_address, "phone": c.has_phone}.get(needs, True)


def need(channel: str) -> str:
    """What `channel` needs, in words ("postal address")."""
    needs = CHANNELS[channel].needs
    return _NEED_WORDS[needs] if needs else channel
