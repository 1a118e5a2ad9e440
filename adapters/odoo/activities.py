"""The activities of a batch (call tasks, letters to post): found by their token or created in one call per document
model, their type resolved once per run."""

from __future__ import annotations

from collections import defaultdict

from adapters.odoo.errors import OdooError
from adapters.odoo.items import Item, search_tokens
from connector.errors import ItemError


class Activities:
    """Mixin of `Writer` (through `Batches`)."""

    def _activities(self, items: list[Item], out: dict) -> None:
        """The task of each item: found by its token, else created, all in one call per document model."""
        if not items:
            return
        have = self._find_activities([(i, None) for i in items])
        todo: dict[str, list[tuple[Item, dict]]] = defaultdict(list)
        for i in items:
            summary, note = i.text.subject, i.text.html
            if i.op.key not in have:
                try:
                    values = self._activity_values(i, summary, note)
                except ItemError as exc:
                    out[i.op.key] = exc
                    continue
                if values is None:  # a type only Odoo resolves by its XML ID: through activity_schedule, once
                    try:
                        self._learn_type(i.op.channel, self._ensure_activity(i.op, i.target, i.token, summary, note))
                    except OdooError as exc:
                        out[i.op.key] = exc
                        continue
                else:
                    todo[i.target[0]].append((i, values))
            i.done.append(f"{i.op.channel.replace('_', ' ')} activity due {i.op.deadline}")
        for model, pairs in todo.items():
            self._create("mail.activity", pairs, out, {"default_res_model": model}, self._find_activities)
        for i in items:
            if isinstance(out.get(i.op.key), Exception):
                i.done.clear()

    def _find_activities(self, batch: list) -> dict[str, int]:
        """The activity of each (item, values) pair already in Odoo, found by the item's token in its note."""
        found = search_tokens(self.client, "mail.activity", "note", [i for i, _ in batch], lambda i: i.token)
        return {key: rows[0]["id"] for key, rows in found.items()}

    def _activity_values(self, item: Item, summary: str, note: str) -> dict | None:
        op = item.op
        type_id, default_user = self._activity_type(op.channel)
        if type_id is None:
            return None
        user = int(op.collector) if op.collector and op.collector.isdigit() else default_user
        values = {"activity_type_id": type_id, "res_id": item.target[1], "automated": True,
                  "date_deadline": (op.deadline or op.as_of).isoformat(), "summary": summary[:250],
                  "note": note + f"<p><small>Ref. {item.token}</small></p>"}
        if user:
            values["user_id"] = user
        return values

    def _activity_type(self, channel: str) -> tuple[int, int | None] | tuple[None, None]:
        """The activity type of a channel and its default assignee; None where only Odoo can resolve its XML ID
        (one of Odoo's own, for a user without access to ir.model.data) and no activity of it was made yet."""
        if channel not in self._types:
            type_id = self.res.activity_types.get(channel)
            self._types[channel] = self._type_info(type_id) if type_id else None
        return self._types[channel] or (None, None)

    def _learn_type(self, channel: str, activity: int) -> None:
        """The type Odoo gave the activity it scheduled, used for the channel's next ones."""
        rows = self.client.call("mail.activity", "read", ids=[activity], fields=["activity_type_id"],
                                context={"active_test": False})
        if rows and rows[0].get("activity_type_id"):
            self._types[channel] = self._type_info(int(rows[0]["activity_type_id"][0]))

    def _type_info(self, type_id: int) -> tuple[int, int | None]:
        rows = self.client.call("mail.activity.type", "read", ids=[type_id], fields=["default_user_id"])
        user = rows[0].get("default_user_id") if rows else None
        return type_id, (int(user[0]) if user else None)
