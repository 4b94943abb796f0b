"""Safe YAML reading that keeps the line of every value, refuses aliases and duplicate keys."""
from __future__ import annotations

import datetime
from typing import Any

import yaml
import yaml.cyaml

from ..errors import Problem, SourceLocation

Lines = dict[str, int]


class YamlProblem(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _path(parent: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{parent}[{part}]"
    return f"{parent}.{part}" if parent else str(part)


_PLAIN_TAGS = {yaml.MappingNode: "tag:yaml.org,2002:map", yaml.SequenceNode: "tag:yaml.org,2002:seq"}


def _convert(node: yaml.Node, loader: yaml.SafeLoader, path: str, lines: Lines) -> Any:
    lines[path] = node.start_mark.line + 1
    plain_tag = _PLAIN_TAGS.get(type(node))  # type: ignore[arg-type]  # ScalarNode has no entry: None
    if plain_tag and node.tag != plain_tag:  # e.g. !!python/object/apply: it would be read as plain data otherwise
        raise YamlProblem(node.start_mark.line + 1,
                          f"{path or 'the document'}: YAML tags such as '{node.tag}' are not allowed; "
                          "write plain values")
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            # Checked before constructing: SafeLoader has no constructor for a bare merge tag.
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlProblem(key_node.start_mark.line + 1, "merge keys (<<) are not allowed; write the values out")
            key = loader.construct_object(key_node)
            if isinstance(key, (list, dict)) or key is None:
                raise YamlProblem(key_node.start_mark.line + 1, f"{_path(path, '?') }: mapping keys must be plain text")
            key = str(key)
            if key in out:
                raise YamlProblem(key_node.start_mark.line + 1,
                                  f"{_path(path, key)}: duplicate key '{key}' "
                                  f"(first at line {lines[_path(path, key)]}); "
                                  "keep one")
            out[key] = _convert(value_node, loader, _path(path, key), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(child, loader, _path(path, i), lines) for i, child in enumerate(node.value)]
    value = loader.construct_object(node)
    if isinstance(value, (datetime.date, datetime.datetime, bytes)):
        return str(node.value)
    return value


MAX_DEPTH = 50  # evidence data nests four levels; PyYAML's recursive composer must not hit Python's limit


class _Limits:
    """Composer hooks shared by both readers: aliases refused, nesting limited."""

    depth = 0
    check_event: Any
    peek_event: Any

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise YamlProblem(event.start_mark.line + 1,
                              "YAML aliases (*name) are not allowed in evidence data; write the value out")
        if self.depth >= MAX_DEPTH:
            raise YamlProblem(self.peek_event().start_mark.line + 1, f"the data is nested more than {MAX_DEPTH} "
                              "levels deep; check the brackets and indentation")
        self.depth += 1
        try:
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self.depth -= 1


class _NoAliasComposer(_Limits, yaml.SafeLoader):
    """PyYAML's own pure-Python reader: its messages are the ones authors see."""


if getattr(yaml, "__with_libyaml__", False):
    _CParser: Any = getattr(yaml.cyaml, "CParser")  # noqa: B009 (not exported in the type stubs)

    class _FastComposer(_Limits, yaml.composer.Composer, _CParser,  # type: ignore[misc]
                        yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
        """The same composer (aliases refused, depth limited, lines kept) reading libyaml's events, several
        times faster than PyYAML's own scanner and parser."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)


def load_yaml(text: str) -> tuple[Any, Lines]:
    """Parse one YAML document; raises YamlProblem (with a line) on any error."""
    if getattr(yaml, "__with_libyaml__", False):
        try:
            return _load(text, _FastComposer(text))
        except (YamlProblem, yaml.YAMLError):
            pass  # read again below, so every message is PyYAML's (the tests and the docs quote them)
    return _load(text, _NoAliasComposer(text))


def _load(text: str, loader: Any) -> tuple[Any, Lines]:
    try:
        node = loader.get_single_node()
        lines: Lines = {}
        data = _convert(node, loader, "", lines) if node is not None else None
        return data, lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        # PyYAML writes a tab as the two characters backslash-t: "found character '\\t' that cannot start any token".
        problem_text = str(exc.problem)
        hint = " (YAML does not allow tabs for indentation; use spaces)" if "\t" in problem_text or \
            "'\\t'" in problem_text or "tab" in problem_text else ""
        raise YamlProblem(line, f"invalid YAML: {exc.problem}{hint}") from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(None, f"invalid YAML: {exc}") from exc
    finally:
        loader.dispose()


def problem(rel: str, lines: Lines, path: str, message: str) -> Problem:
    """A problem at a YAML path, with the line of the closest known ancestor."""
    probe = path
    while probe and probe not in lines:
        probe = probe[: max(probe.rfind("."), probe.rfind("["))] if ("." in probe or "[" in probe) else ""
    return Problem(SourceLocation(rel, lines.get(probe) or lines.get(""), path or None), message)
