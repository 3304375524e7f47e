"""The Prometheus text parser, on the format's own examples and on what we write."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from swarm_tui.hw.promtext import PromTextError, format_sample, parse

FIXTURES = Path(__file__).parent / "fixtures"


def test_the_tricky_exposition_parses_with_every_feature() -> None:
    scrape = parse((FIXTURES / "tricky.prom").read_text())
    assert scrape.types["http_requests_total"] == "counter"
    assert scrape.help["http_requests_total"] == (
        "The total number of HTTP requests.\nSecond line with a \\ backslash."
    )
    [ok, bad] = scrape.named("http_requests_total")
    assert ok.labels == {"method": "post", "code": "200"}
    assert (ok.value, ok.timestamp_ms) == (1027, 1395066363000)
    assert (bad.value, bad.timestamp_ms) == (3, 1395066363000)
    [msdos] = scrape.named("msdos_file_access_time_seconds")
    assert msdos.labels == {"path": "C:\\DIR\\FILE.TXT", "error": 'Cannot find file:\n"FILE.TXT"'}
    assert msdos.value == 1.458255915e9
    assert scrape.first("metric_without_timestamp_and_labels") == 12.47
    [weird] = scrape.named("something_weird")
    assert weird.value == math.inf and weird.timestamp_ms == -3982045
    assert scrape.first("negative_infinity") == -math.inf
    nan = scrape.first("not_a_number")
    assert nan is not None and math.isnan(nan)
    assert scrape.named("trailing_comma")[0].labels == {"a": "1", "b": "2"}
    assert scrape.named("spaces_in_labels")[0].labels == {"a": "x", "b": "y"}
    assert scrape.named("quote_and_brace")[0].labels == {"v": 'a}b,c="d"'}
    assert scrape.first("http_request_duration_seconds_bucket", le="+Inf") == 144320
    assert scrape.types["http_request_duration_seconds"] == "histogram"
    assert scrape.errors == []


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("9metric 1", "expected a metric name"),
        ("m{a=1} 1", 'expected ="'),
        ('m{a="1} 1', "unterminated"),
        ('m{a="1" b="2"} 1', "expected , or }"),
        ("m", "expected a space and a value"),
        ("m one", "bad value"),
        ("m 1 soon", "bad timestamp"),
        ("m 1 2 3", "unexpected"),
        ('m{a="1"}1', "expected a space"),
    ],
)
def test_malformed_lines_name_their_line(line: str, problem: str) -> None:
    with pytest.raises(PromTextError, match=problem) as caught:
        parse(f"# TYPE m gauge\nok 1\n{line}\n")
    assert caught.value.line_no == 3
    lenient = parse(f"ok 1\n{line}\nok2 2\n", strict=False)
    assert [s.name for s in lenient.samples] == ["ok", "ok2"]
    assert lenient.errors and lenient.errors[0].startswith("line 2:")


label_values = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
values = st.floats(allow_nan=False) | st.sampled_from([math.inf, -math.inf])


@given(
    st.dictionaries(
        st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True), label_values, max_size=4
    ),
    values,
)
def test_what_we_write_reads_back(labels: dict[str, str], value: float) -> None:
    [sample] = parse(format_sample("swarm_hw_x", value, labels)).samples
    assert sample.labels == labels
    assert sample.value == value


def test_nan_is_written_the_prometheus_way() -> None:
    assert format_sample("x", math.nan) == "x NaN"
    assert format_sample("x", math.inf, {"le": "+Inf"}) == 'x{le="+Inf"} +Inf'
