"""README and the command line agree: every ``scraper COMMAND --option`` README shows
exists, every option in README's option tables exists, and every command of the CLI is
documented in README. README is parsed, not copied here, so edits to it are checked as
they are made."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click

from scraper.cli import cli

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


def foreign_options(text: str) -> set[str]:
    """Options README shows for other programs (``dask worker --nthreads``, ``pip install -e``)."""
    found: set[str] = set()
    for block in FENCE.findall(text):
        for line in block.splitlines():
            try:
                words = shlex.split(line, comments=True)
            except ValueError:
                words = line.split()
            program = None
            for word in words:
                if word in SEPARATORS:
                    program = None
                elif program is None and not re.match(r"^[A-Z_]+=", word):
                    program = word
                elif program != "scraper" and re.match(r"^--?[A-Za-z]", word):
                    found.add(word.split("=", 1)[0])
    return found


def benchmark_options() -> set[str]:
    """The options the scripts in benchmarks/ declare (README names some: ``--pages 200``)."""
    found: set[str] = set()
    for script in (README.parent / "benchmarks").glob("*.py"):
        found.update(re.findall(r"""["'](--[a-z][a-z-]*)["']""", script.read_text(encoding="utf-8")))
    return found


def test_every_option_readme_names_in_prose_exists():
    """`--option` in running text is one of scraper's, of a benchmark script's, or of another
    program README shows it for (``dask worker --nthreads``)."""
    text = README.read_text(encoding="utf-8")
    every = set().union(*(options_of(c) for c in commands().values())) | foreign_options(text) | \
        benchmark_options()
    prose = FENCE.sub("", text)
    named = {code.split()[0].split("=", 1)[0] for code in INLINE.findall(prose) if re.match(r"^--[a-z]", code)}
    assert len(named) >= 20  # the parser found README's options
    assert sorted(named - every) == []
