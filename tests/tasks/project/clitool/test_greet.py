from click.testing import CliRunner

from greet import greet


def test_greet():
    r = CliRunner().invoke(greet, ["Ada", "--times", "2"])
    assert r.exit_code == 0
    assert r.output == "Hello, Ada!\nHello, Ada!\n"


def test_shout():
    assert CliRunner().invoke(greet, ["ada", "--shout"]).output == "HELLO, ADA!\n"


def test_bad_option():
    assert CliRunner().invoke(greet, ["ada", "--times", "x"]).exit_code == 2
