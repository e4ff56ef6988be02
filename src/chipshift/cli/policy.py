"""CLI commands of the policy rules: ``chipshift policy list|show``, and the buyer report of ``chips classify``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from chipshift.cli.common import settings
from chipshift.cli.output import (
    CATALOG_OPTION,
    FORMAT_OPTION,
    JSON_OPTION,
    OUTPUT_OPTION,
    QUIET_OPTION,
    TableFormat,
    output_of,
)
from chipshift.cli.tables import DASH
from chipshift.errors import ChipshiftError

policy_app = typer.Typer(
    help="Policy rules of both sides (US, China), dated and sourced: list and show.", no_args_is_help=True
)

RULE_ID_COLUMNS = frozenset({"id", "jurisdiction", "effective"})
"""Columns of ``policy list`` never cut (the rule id a user types, and the date)."""
RULE_TABLE_COLUMNS = ("id", "jurisdiction", "effective", "title", "kind", "status", "confidence", "ends")
"""Columns of the ``policy list`` table, those a narrow terminal can do without last."""


def _policy() -> Any:
    from chipshift.catalog import load_policy

    return load_policy(settings.catalog_dirs)


def _date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ChipshiftError(f"--on: expected a date YYYY-MM-DD, not '{value}'") from None


@policy_app.command("list")
def list_command(
    on: str | None = typer.Option(None, "--on", help="Only rules in force on this date, YYYY-MM-DD."),
    jurisdiction: str | None = typer.Option(None, "--jurisdiction", help="US, CN or other."),
    lang: str = typer.Option("en", "--lang", help="Title language: en or zh."),
    fmt: TableFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """Rules with their dates, status and source confidence (all of them, or those in force on a date)."""
    from chipshift.catalog.policy import Jurisdiction, rules_in_force
    from chipshift.catalog.policy.views import rule_row

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)
    policy = _policy()
    when = _date(on)
    rules = list(rules_in_force(policy, when) if when else policy.rules)
    if jurisdiction is not None:
        try:
            wanted = Jurisdiction(jurisdiction.strip().upper() if jurisdiction.strip().lower() != "other" else "other")
        except ValueError:
            raise ChipshiftError(f"--jurisdiction: '{jurisdiction}' is not one of US, CN, other") from None
        rules = [r for r in rules if r.jurisdiction is wanted]
    if lang not in ("en", "zh"):
        raise ChipshiftError(f"--lang: '{lang}' is not one of en, zh")
    rows = [rule_row(r, chinese=lang == "zh") for r in sorted(rules, key=lambda r: (r.effective, r.id))]
    if out.json:
        out.data({"on": when.isoformat() if when else None, "rules": rows})
        return
    title = f"{len(rows)} rules in force on {when}" if when else f"{len(rows)} rules (all dates and statuses)"
    table = Table(title=title)
    for column in RULE_TABLE_COLUMNS:
        if column in RULE_ID_COLUMNS:
            table.add_column(column, no_wrap=True)
        else:
            table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(escape(str(row[c])) if row[c] is not None else DASH for c in RULE_TABLE_COLUMNS))
    out.show(table)


@policy_app.command("show")
def show_command(
    rule_id: str = typer.Argument(..., help="Rule id (see 'chipshift policy list')."),
    fmt: TableFormat = FORMAT_OPTION,
    as_json: bool = JSON_OPTION,
    output: Path | None = OUTPUT_OPTION,
    quiet: bool = QUIET_OPTION,
    catalog_dirs: list[Path] = CATALOG_OPTION,
) -> None:
    """One rule in English and Chinese: predicate, effect, conditions, source and the catalog chips it reaches."""
    from chipshift.catalog.policy.views import rule_detail
    from chipshift.cli.common import catalog

    out = output_of(fmt, as_json, output, quiet, catalog_dirs)
    policy = _policy()
    rule = policy.rule(rule_id)
    data = rule_detail(rule, policy, catalog().chips.values())
    if out.json:
        out.data(data)
        return
    out.show(*_rule_lines(data))


def _rule_lines(data: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    _say = _sayer(lines)
    ends = f" until {data['ends']}" if data.get("ends") else ""
    lines.append(
        f"[bold]{escape(data['id'])}[/bold]  "
        + escape(f"{data['jurisdiction']} {data['authority']}, {data['kind']}, {data['status']}")
    )
    _say(f"in force from {data['effective']}{ends}")
    _say(f"{data['title']}\n{data['title_zh']}")
    _say(f"{data['summary']}\n{data['summary_zh']}")
    effect = data["effect"]
    _say(f"effect: {effect['kind']}" + (f", presumption {effect['presumption']}" if effect.get("presumption") else ""))
    for condition in effect.get("conditions", []):
        _say(f"  condition {condition['kind']}: {condition['text']}")
    if effect.get("price_preference"):
        _say(f"  price preference {effect['price_preference']:.0%}")
    _say(f"applies to: {json.dumps(data['applies_to'], ensure_ascii=False)}")
    for weight in data.get("risk", []):
        _say(f"risk {weight['dimension']} +{weight['score']}: {weight['why']}")
    source = data["source_detail"]
    where = source.get("url") or f"no URL: {source.get('url_missing_reason', '?')}"
    _say(f"source [{data['confidence']}]: {source.get('title', source['id'])} ({source.get('date', '—')}) {where}")
    if data.get("source_note"):
        _say(f"source note: {data['source_note']}")
    outlook = data.get("outlook")
    if outlook:
        after = f" from {outlook['earliest']}" if outlook.get("earliest") else ""
        _say(
            f"outlook [{outlook['confidence']}]: {outlook['change']} with a chance of "
            f"{outlook['probability_per_year']:.0%} a year{after} (drawn by the plan's Monte Carlo): {outlook['why']}"
        )
    reached = ", ".join(r["chip"] + ("?" if r["match"] == "undetermined" else "") for r in data["reaches"])
    _say(f"catalog chips reached (buyer conditions aside; ? = figures missing): {reached or 'none'}")
    return lines


def _sayer(lines: list[str]) -> Any:
    """A function adding one line of plain text (escaped for rich) to ``lines``."""

    def say(text: str) -> None:
        lines.append(escape(text))

    return say


def buyer_report(chip: Any, on: dt.date, buyer: Any) -> dict[str, Any]:
    """Export status, purchase outlook, risk and every applicable rule for one chip, date and buyer."""
    from chipshift.catalog.policy import applicable_rules, export_status, purchase_outlook, risk_profile
    from chipshift.catalog.policy.views import applicability_dict, buyer_dict, export_status_dict, outlook_dict

    policy = _policy()
    return {
        "applied_for": buyer_dict(buyer, on),
        "export_status": export_status_dict(export_status(chip, policy, on, buyer)),
        "outlook": outlook_dict(purchase_outlook(chip, policy, on, buyer), risk_profile(chip, policy, on, buyer)),
        "rules": [
            applicability_dict(a, policy)
            for a in sorted(applicable_rules(chip, policy, on, buyer), key=lambda a: (a.rule.effective, a.rule.id))
        ],
    }


def buyer_report_lines(report: dict[str, Any]) -> list[str]:
    """The buyer report as lines of text: status, outlook, then one block per rule with its working and source."""
    lines: list[str] = []
    _say = _sayer(lines)
    who = report["applied_for"]
    status = report["export_status"]
    shown = status["presumption"] and status["status"] == "licence-required"
    presumption = f", presumption: {status['presumption']}" if shown else ""
    flags = [("state-funded", who["state_funded"]), ("critical infrastructure", who["critical_infrastructure"])]
    extra = "".join(f", {name}" for name, on in flags if on)
    lines.append(
        f"[bold]on {who['on']} for a {who['sector']} buyer{extra} ({who['transaction']}): "
        f"{status['status']}{escape(presumption)}[/bold]"
    )
    _say(f"  {status['reason']}")
    for condition in status["conditions"]:
        _say(f"  condition {condition['kind']}: {condition['text']}")
    outlook = report["outlook"]
    cap = "—" if outlook["volume_cap"] is None else f"{outlook['volume_cap']:.0%}"
    _say(
        f"may buy: {outlook['may_buy']}; volume cap {cap}; fees {outlook['fee_share']:.0%}; "
        f"price preference {outlook['price_preference']:.0%}"
    )
    for label in ("blocked_by", "reviews", "discouraged_by"):
        if outlook[label]:
            _say(f"  {label.replace('_', ' ')}: {', '.join(outlook[label])}")
    risk = outlook["risk"]
    _say("risk (0-1): " + ", ".join(f"{name.replace('_', '-')} {value:.2f}" for name, value in risk.items()))
    _say(f"{len(report['rules'])} rules apply:")
    for rule in report["rules"]:
        mark = " (undetermined: " + ", ".join(rule["missing"]) + ")" if rule["match"] == "undetermined" else ""
        _say(f"- {rule['effective']} {rule['id']} [{rule['jurisdiction']}, {rule['effect']}]{mark}: {rule['title']}")
        _say(f"    {rule['title_zh']}")
        if rule["working"]:
            _say(f"    because: {'; '.join(rule['working'])}")
        source = rule["source"]
        _say(f"    source [{rule['confidence']}]: {source.get('title', source['id'])} {source.get('url', '')}")
    return lines


def register(app: typer.Typer) -> None:
    """Add the ``policy`` command group."""
    app.add_typer(policy_app, name="policy")
