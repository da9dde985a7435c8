"""Read a YAML file safely, keeping the line of every mapping key and list item."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from voicecoach import limits
from voicecoach.errors import RoutineError


class LineDict(dict):  # type: ignore[type-arg]
    """A mapping from YAML that remembers its own line and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list):  # type: ignore[type-arg]
    """A sequence from YAML that remembers its own line and the line of each item."""

    line: int = 0
    item_lines: list[int]


def as_lines(value: Any) -> Any:
    """Plain data (a workout read from a file) as LineDict/LineList values with no lines."""
    if isinstance(value, dict):
        mapping = LineDict((key, as_lines(item)) for key, item in value.items())
        mapping.key_lines = {}
        return mapping
    if isinstance(value, list):
        sequence = LineList(as_lines(item) for item in value)
        sequence.item_lines = [0] * len(sequence)
        return sequence
    return value


class _Loader(yaml.SafeLoader):
    def __init__(self, stream: str, source: str) -> None:
        super().__init__(stream)
        self.source = source

    def construct_line_mapping(self, node: yaml.MappingNode) -> LineDict:
        self.flatten_mapping(node)
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                raise RoutineError(
                    "expected a plain key, found a list or mapping used as a key",
                    source=self.source,
                    line=line,
                ) from None
            if key in result:
                raise RoutineError(
                    f"key '{key}' appears twice in the same mapping (first on line "
                    f"{result.key_lines[key]}); keep one",
                    source=self.source,
                    line=line,
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = line
        return result

    def construct_line_sequence(self, node: yaml.SequenceNode) -> LineList:
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result

    def construct_checked_timestamp(self, node: yaml.ScalarNode) -> Any:
        # PyYAML raises a bare ValueError for a date that does not exist (2027-02-30)
        try:
            return self.construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            raise RoutineError(
                f"expected a date that exists (YYYY-MM-DD), found {node.value}",
                source=self.source,
                line=node.start_mark.line + 1,
            ) from None

    def construct_checked_number(self, node: yaml.ScalarNode) -> Any:
        # Python refuses to convert an int of over 4300 digits (and a float of as many is
        # inf): a number that long is a typo or an attack, refused by its length
        digits = sum(char.isdigit() for char in node.value)
        if digits > limits.MAX_NUMBER_DIGITS:
            raise RoutineError(
                f"expected a number of at most {limits.MAX_NUMBER_DIGITS} digits, found one of "
                f"{digits} digits",
                source=self.source,
                line=node.start_mark.line + 1,
            )
        if node.tag.endswith(":int"):
            return self.construct_yaml_int(node)
        return self.construct_yaml_float(node)


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_checked_number)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_checked_number)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_checked_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_line_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_line_sequence)


def _expanded_size(value: Any, memo: dict[int, int]) -> int:
    """Count the nodes a value would have with every alias written out (linear in the DAG)."""
    key = id(value)
    if key in memo:
        return memo[key]
    memo[key] = 1  # guards against (impossible in safe YAML) cycles
    if isinstance(value, dict):
        size = 1 + sum(_expanded_size(v, memo) for v in value.values()) + len(value)
    elif isinstance(value, list):
        size = 1 + sum(_expanded_size(v, memo) for v in value)
    else:
        size = 1
    memo[key] = min(size, limits.MAX_EXPANDED_NODES + 1)
    return memo[key]


def read_input(path: Path, what: str) -> bytes:
    """An input file's bytes, refusing a folder, a missing file and a file over the limit.

    `what` names the file expected ("a routine", "a Zwift workout") in the messages.
    """
    source = str(path)
    if path.is_dir():
        raise RoutineError(f"expected {what} file, found a directory", source=source)
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise RoutineError("no such file", source=source) from None
    except OSError as exc:
        raise RoutineError(f"cannot read the file: {exc.strerror}", source=source) from None
    if len(data) > limits.MAX_FILE_BYTES:
        raise RoutineError(
            f"expected {what} of at most {limits.MAX_FILE_BYTES // 1000} kB, found a larger file",
            source=source,
        )
    return data


def read_yaml(path: Path) -> Any:
    """Parse a YAML file with `safe_load` rules into LineDict/LineList values."""
    source = str(path)
    data = read_input(path, "a routine")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RoutineError(
            f"expected UTF-8 text, found the byte 0x{data[exc.start]:02x}; save the file as UTF-8",
            source=source,
            line=line,
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise RoutineError(
            "expected text, found a NUL byte (is this a binary file?)", source=source, line=line
        )
    return parse_yaml(text, source)


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text with `safe_load` rules into LineDict/LineList values."""
    loader = None
    try:
        loader = _Loader(text, source)
        value = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        mark_line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        if mark is not None:
            problem = f"{problem} (column {mark.column + 1})"
        if "\t" in text and "'\\t'" in problem:
            problem += "; indent with spaces, not tabs"
        raise RoutineError(f"invalid YAML: {problem}", source=source, line=mark_line) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise RoutineError(
            f"expected printable text, found the control character #x{exc.character:04x}",
            source=source,
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        raise RoutineError(f"invalid YAML: {exc}", source=source) from None
    except RecursionError:
        raise RoutineError("invalid YAML: nested too deeply", source=source) from None
    finally:
        if loader is not None:
            loader.dispose()
    try:
        size = _expanded_size(value, {})
    except RecursionError:
        size = limits.MAX_EXPANDED_NODES + 1
    if size > limits.MAX_EXPANDED_NODES:
        raise RoutineError(
            f"expected at most {limits.MAX_EXPANDED_NODES} values once aliases are expanded, "
            "found more (an alias bomb?)",
            source=source,
        )
    return value
