import pytest

from chapter05_helpers.profiles import ENV_VAR, PROFILES, UnknownProfileError, get_profile


def test_env_var_picks_the_profile(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "book")
    assert get_profile().name == "book"
    monkeypatch.setenv(ENV_VAR, " CI ")
    assert get_profile().name == "ci"


def test_default_is_demo(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert get_profile().name == "demo"


def test_unknown_profile_lists_the_valid_ones(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "huge")
    with pytest.raises(UnknownProfileError) as error:
        get_profile()
    message = str(error.value)
    assert "'huge'" in message
    for name in ("ci", "demo", "book"):
        assert name in message
    assert ENV_VAR in message


def test_book_profile_is_the_chapters_scale():
    book = get_profile("book")
    assert book.years == list(range(2010, 2020))
    assert book.rows_per_year is None  # every second of every year
    assert book.array_side == 1000  # the book's 1000**3 array
    assert book.tpot_max_time_mins == 10


@pytest.mark.parametrize(
    "field", ["cpu_task_size", "array_side", "tpot_max_time_mins", "tpot_population_size"]
)
def test_sizes_grow_from_ci_to_book(field):
    ci, demo, book = (getattr(PROFILES[name], field) for name in ("ci", "demo", "book"))
    assert ci < demo <= book


def test_smaller_profiles_keep_ten_years_of_shorter_spans():
    for name in ("ci", "demo"):
        profile = PROFILES[name]
        assert len(profile.years) == 10
        assert 0 < profile.rows_per_year < 365 * 24 * 3600
    assert PROFILES["ci"].rows_per_year < PROFILES["demo"].rows_per_year
