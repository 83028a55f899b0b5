"""README and the command line agree: every ``scraper COMMAND --option`` README shows
exists, every option in README's option tables exists, and every command of the CLI is
documented in README. README is parsed, not copied here, so edits to it are checked as
they are made."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click

from cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
TABLE_OPTION = re.compile(r"^\|\s*(`-[^|]*)\|", re.MULTILINE)
SEPARATORS = {"&&", "||", "|", ";", ">", ">>", "<", "2>", "2>&1"}


def commands() -> dict[str, click.Command]:
    return dict(cli.commands)


def options_of(command: click.Command) -> set[str]:
    names: set[str] = set()
    for param in command.params:
        names.update(getattr(param, "opts", []))
        names.update(getattr(param, "secondary_opts", []))
    return names | {"--help", "-h"}


def invocations(text: str) -> list[tuple[str, list[str], str]]:
    """Each ``scraper COMMAND args…`` in README's code (fenced blocks and inline code), as
    (command, its option names, the line it came from)."""
    lines: list[str] = []
    for block in FENCE.findall(text):
        lines.extend(block.splitlines())
    prose = FENCE.sub("", text)
    lines.extend(INLINE.findall(prose))
    found = []
    for line in lines:
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            words = line.split()
        for i, word in enumerate(words):
            starts = i == 0 or words[i - 1] in SEPARATORS or re.match(r"^[A-Z_]+=", words[i - 1])
            if word != "scraper" or not starts or i + 1 >= len(words) or words[i + 1].startswith("-"):
                continue  # (``from scraper import …`` in Python is not a command)
            name = words[i + 1]
            options = []
            for arg in words[i + 2:]:
                if arg in SEPARATORS:
                    break
                if re.match(r"^--?[A-Za-z]", arg):
                    options.append(arg.split("=", 1)[0])
            found.append((name, options, line.strip()))
    return found


def test_readme_shows_commands_in_code():
    found = invocations(README.read_text(encoding="utf-8"))
    assert len({name for name, _, _ in found}) >= 10  # the parser found README's commands


def test_every_command_and_option_readme_shows_exists():
    known = commands()
    problems = []
    for name, options, line in invocations(README.read_text(encoding="utf-8")):
        if name not in known:
            problems.append(f"README shows `scraper {name}`, which the CLI does not have: {line}")
            continue
        missing = [o for o in options if o not in options_of(known[name])]
        problems += [f"README shows `scraper {name} {o}`, which it does not take: {line}" for o in missing]
    assert problems == []


def test_every_option_in_readme_tables_exists():
    every = set().union(*(options_of(c) for c in commands().values()))
    text = README.read_text(encoding="utf-8")
    cells = TABLE_OPTION.findall(text)
    assert cells, "README has option tables"
    problems = []
    for cell in cells:
        for code in INLINE.findall(cell):
            option = code.split()[0].split("=", 1)[0]
            if option.startswith("-") and option not in every:
                problems.append(f"README's table names {option}, which no command takes")
    assert problems == []


def test_every_cli_command_is_documented_in_readme():
    documented = {name for name, _, _ in invocations(README.read_text(encoding="utf-8"))}
    assert sorted(set(commands()) - documented) == []
