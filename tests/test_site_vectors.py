"""The checked-in site data example (tests/vectors/site), which the page's readers are tested
on in node (tests/js/site-data.test.mjs), is what the Python writer produces now."""

from pathlib import Path

from tests.vectors.generate import HERE, write_site_example


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_site_example_is_what_the_writer_writes(tmp_path):
    write_site_example(tmp_path / "site")
    checked_in, now = _files(HERE / "site"), _files(tmp_path / "site")
    assert sorted(checked_in) == sorted(now)
    stale = [name for name in now if checked_in[name] != now[name]]
    assert not stale, (f"{stale} differ from what summit.site writes now: regenerate with "
                       "`python -m tests.vectors.generate` and re-run tests/js")
