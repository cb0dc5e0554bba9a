"""The text operators: StringConcat, StringSplit (20), StringNormalizer (10), RegexFullMatch (20)
and TfIdfVectorizer (9), against onnxruntime, onnx.reference or Python itself (re.fullmatch,
str.split, str.lower / str.upper) depending on which states the semantics the spec asks for;
bad attributes and inputs fail with the error class and a message naming the culprit."""

from __future__ import annotations

import re
import time

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator
from onnxruntime.capi.onnxruntime_pybind11_state import Fail as OrtFail

import onyxrt

S, I32, I64, F32, B = (
    TensorProto.STRING,
    TensorProto.INT32,
    TensorProto.INT64,
    TensorProto.FLOAT,
    TensorProto.BOOL,
)
ELEM = {np.dtype(np.int32): I32, np.dtype(np.int64): I64}


def strings(values) -> np.ndarray:
    return np.array(values, dtype=object)


def node_model(op, inputs: dict, outputs: dict, opset: int, **attrs) -> onnx.ModelProto:
    """inputs: name -> array (its ONNX type from the dtype, object = string); outputs: name -> type."""
    node = helper.make_node(op, list(inputs), list(outputs), name="text_node", **attrs)
    vi = [helper.make_tensor_value_info(n, ELEM.get(a.dtype, S), None) for n, a in inputs.items()]
    out = [helper.make_tensor_value_info(n, t, None) for n, t in outputs.items()]
    graph = helper.make_graph([node], "g", vi, out)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=10)


def run(model, feeds, threads: int = 2) -> list:
    options = onyxrt.SessionOptions()
    options.intra_op_num_threads = threads
    return onyxrt.InferenceSession(model.SerializeToString(), options).run(None, feeds)


def run_ort(model, feeds) -> list:
    sess = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def assert_same(got: list, want: list) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want):
        w = np.asarray(w)
        assert g.shape == w.shape, (g.shape, w.shape)
        if w.dtype.kind in "OU":
            assert g.dtype == object, g.dtype
            assert g.tolist() == w.astype(object).tolist(), (g, w)
        else:
            assert g.dtype == w.dtype, (g.dtype, w.dtype)
            np.testing.assert_allclose(g, w, rtol=1e-6)


def expect_error(model, feeds, error, *fragments) -> str:
    with pytest.raises(error) as info:
        run(model, feeds)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)
    return str(info.value)


# ---- StringConcat ----


@pytest.mark.parametrize(
    "x, y",
    [
        (strings(["abc", "def"]), strings([".com", ".net"])),
        (strings(["cat", "dog", "snake"]), strings(["s"])),
        (strings([["a"], ["b"], ["c"]]), strings(["1", "2"])),  # both sides stretch
        (strings("cat"), strings([["x", "y"], ["z", ""]])),  # a scalar against a matrix
        (strings(["的", "中", ""]), strings(["的", "", "é"])),
        (strings(np.zeros((0, 3), dtype=object)), strings(["a", "b", "c"])),
        (
            strings(np.arange(2 * 3 * 4 * 5).astype(str).reshape(2, 3, 4, 5)),
            strings(np.array(list("xyz"))[:, None, None]),
        ),
    ],
)
def test_string_concat_broadcasts_like_onnxruntime(x, y):
    model = node_model("StringConcat", {"x": x, "y": y}, {"z": S}, 20)
    assert_same(run(model, {"x": x, "y": y}), run_ort(model, {"x": x, "y": y}))


def test_string_concat_large_broadcast_uses_threads():
    x = strings(np.arange(40000).astype(str).reshape(200, 200))
    y = strings(np.array(["-" + str(i) for i in range(200)]))
    model = node_model("StringConcat", {"x": x, "y": y}, {"z": S}, 20)
    assert_same(run(model, {"x": x, "y": y}, threads=4), run_ort(model, {"x": x, "y": y}))


def test_string_concat_rejects_shapes_that_do_not_broadcast():
    x, y = strings(["a", "b", "c"]), strings(["a", "b"])
    model = node_model("StringConcat", {"x": x, "y": y}, {"z": S}, 20)
    expect_error(model, {"x": x, "y": y}, onyxrt.InvalidArgument, "text_node", "{3}", "{2}")


def test_string_concat_rejects_a_numeric_y():
    x, y = strings(["a"]), np.array([1], dtype=np.int64)
    model = node_model("StringConcat", {"x": x, "y": y}, {"z": S}, 20)
    expect_error(model, {"x": x, "y": y}, onyxrt.InvalidArgument, "text_node", "int64")


# ---- StringSplit ----


def split_model(x, opset=20, **attrs):
    return node_model("StringSplit", {"x": x}, {"y": S, "z": I64}, opset, **attrs)


@pytest.mark.parametrize(
    "x, attrs",
    [
        (strings(["abc.com", "def.net"]), {"delimiter": "."}),
        (strings(["o-n-n--x-", "o-n----nx", "", "-"]), {"delimiter": "-"}),
        (strings(["a<>b<><>c", "<>", "x"]), {"delimiter": "<>"}),  # a multi-character delimiter
        (strings([["hello world", "def.net"], ["o n n x", "the quick brown fox"]]), {"maxsplit": 2}),
        (strings(["a.b.c.d", "a..b", "...."]), {"delimiter": ".", "maxsplit": 2}),
        (strings(["a.b.c", "abc"]), {"delimiter": ".", "maxsplit": 0}),
        (strings(["hello world !", "  hello   world !", " hello world   ! ", "\tx\ny\r\n"]), {}),
        (strings(["hello world !", "  hello   world !"]), {"delimiter": ""}),
        (strings(["x y", "", "   "]), {}),
        (strings(np.zeros((0,), dtype=object)), {}),
        (strings(np.zeros((2, 0), dtype=object)), {"delimiter": ","}),
        (strings(["ça.va", "日本.語"]), {"delimiter": "."}),
    ],
)
def test_string_split_matches_the_reference(x, attrs):
    model = split_model(x, **attrs)
    assert_same(run(model, {"x": x}), ReferenceEvaluator(model).run(None, {"x": x}))


def test_string_split_scalar_gives_a_vector():
    x = strings("a,b,,c")
    model = split_model(x, delimiter=",")
    assert_same(run(model, {"x": x}), run_ort(model, {"x": x}))


def test_string_split_whitespace_remainder_drops_trailing_whitespace():
    # The spec drops leading and trailing whitespace; Python's split keeps it on the remainder.
    x = strings(["a b  c  ", "  x   y z ", "one"])
    y, z = run(split_model(x, maxsplit=1), {"x": x})
    assert y.tolist() == [["a", "b  c"], ["x", "y z"], ["one", ""]]
    assert z.tolist() == [2, 2, 1]
    y, z = run(split_model(x, maxsplit=0), {"x": x})
    assert y.tolist() == [["a b  c"], ["x   y z"], ["one"]]
    assert z.tolist() == [1, 1, 1]


def test_string_split_unicode_whitespace_and_negative_maxsplit():
    x = strings(["a\u00a0b\u3000c\u2029d", "é ü"])
    y, z = run(split_model(x), {"x": x})
    assert y.tolist() == [["a", "b", "c", "d"], ["é", "ü", "", ""]] and z.tolist() == [4, 2]
    x = strings(["1,2,3,4"])
    y, z = run(split_model(x, delimiter=",", maxsplit=-1), {"x": x})
    assert y.tolist() == [["1", "2", "3", "4"]] and z.tolist() == [4]


def test_string_split_all_empty_gives_a_zero_width_last_dim():
    x = strings([["", " "], ["\t", ""]])
    y, z = run(split_model(x), {"x": x})
    assert y.shape == (2, 2, 0) and z.tolist() == [[0, 0], [0, 0]]


def test_string_split_many_rows_with_threads():
    rng = np.random.default_rng(0)
    x = strings([" ".join("w" * int(k) for k in rng.integers(1, 5, rng.integers(0, 9))) for _ in range(5000)])
    model = split_model(x)
    assert_same(run(model, {"x": x}, threads=4), ReferenceEvaluator(model).run(None, {"x": x}))


# ---- StringNormalizer ----


def simple_case(text: str, upper: bool) -> str:
    """Unicode simple case mapping per code point, as the operator does (Python's str.upper is
    the full mapping: 'ß' -> 'SS'; a code point whose mapping is not one code point stays)."""
    out = []
    for c in text:
        m = c.upper() if upper else c.lower()
        if c == "\u0130" and not upper:  # full mapping "i" + U+0307, simple mapping "i"
            m = "i"
        out.append(m if len(m) == 1 else c)
    return "".join(out)


def normalizer_expected(x: np.ndarray, action: str, case_sensitive: bool, stopwords: list[str]) -> np.ndarray:
    compare = None if case_sensitive else action == "UPPER"
    key = (lambda s: s) if compare is None else (lambda s: simple_case(s, compare))
    stops = {key(w) for w in stopwords}
    kept = [s for s in x.reshape(-1).tolist() if key(s) not in stops]
    if action != "NONE":
        kept = [simple_case(s, action == "UPPER") for s in kept]
    kept = kept or [""]
    return strings(kept).reshape((1, -1) if x.ndim == 2 else (-1,))


def normalizer_model(x, opset=10, **attrs):
    return node_model("StringNormalizer", {"x": x}, {"y": S}, opset, **attrs)


NORMALIZER_INPUTS = [
    strings(["monday", "tuesday", "wednesday", "thursday"]),
    strings([["Monday", "tuesday", "MONDAY", "wednesday", "Tuesday"]]),
    strings(["Ärger", "ÉCOLE", "straße", "İstanbul", "ΣΟΦΊΑ", "σοφία", "Привет", "МИР", "ǅemal", "ｆｕｌｌ"]),
    strings(["Paris", "", "  spaced  ", "K", "\u212a"]),  # the Kelvin sign lowercases to k
]


@pytest.mark.parametrize("x", NORMALIZER_INPUTS, ids=["ascii", "row", "unicode", "odd"])
@pytest.mark.parametrize("action", ["NONE", "LOWER", "UPPER"])
@pytest.mark.parametrize("case_sensitive", [0, 1])
@pytest.mark.parametrize("stopwords", [[], ["monday", "Tuesday"], ["ärger", "ÉCOLE", "мир", "k"], [""]])
def test_string_normalizer_modes(x, action, case_sensitive, stopwords):
    attrs = {"case_change_action": action, "is_case_sensitive": case_sensitive}
    if stopwords:
        attrs["stopwords"] = stopwords
    y = run(normalizer_model(x, **attrs), {"x": x})[0]
    assert_same([y], [normalizer_expected(x, action, bool(case_sensitive), stopwords)])


@pytest.mark.parametrize(
    "x, attrs",
    [
        (
            strings(["monday", "tuesday", "wednesday", "thursday"]),
            {"case_change_action": "LOWER", "is_case_sensitive": 1, "stopwords": ["monday"]},
        ),
        (
            strings(["monday", "monday"]),
            {"case_change_action": "UPPER", "is_case_sensitive": 1, "stopwords": ["monday"]},
        ),
        (
            strings([["Monday", "tuesday", "wednesday", "Monday"]]),
            {"case_change_action": "UPPER", "stopwords": ["monday"]},
        ),
        (strings(["a", "b"]), {"locale": "fr_FR.UTF-8", "case_change_action": "UPPER"}),
        (strings(["Ab", "cD"]), {}),
    ],
)
def test_string_normalizer_matches_the_reference_on_plain_words(x, attrs):
    model = normalizer_model(x, **attrs)
    assert_same(run(model, {"x": x}), ReferenceEvaluator(model).run(None, {"x": x}))


def test_string_normalizer_turkish_locale_maps_dotted_i():
    x = strings(["istanbul", "IRMAK"])
    up = run(normalizer_model(x, case_change_action="UPPER", locale="tr_TR.UTF-8"), {"x": x})[0]
    low = run(normalizer_model(x, case_change_action="LOWER", locale="tr"), {"x": x})[0]
    assert up.tolist() == ["İSTANBUL", "IRMAK"] and low.tolist() == ["istanbul", "ırmak"]
    assert (
        run(normalizer_model(x, case_change_action="UPPER", locale="en_US"), {"x": x})[0].tolist()[0]
        == "ISTANBUL"
    )


def test_string_normalizer_all_dropped_or_empty_gives_one_empty_string():
    x = strings([["Monday", "MONDAY"]])
    y = run(normalizer_model(x, stopwords=["monday"]), {"x": x})[0]
    assert y.shape == (1, 1) and y.tolist() == [[""]]
    x = strings(np.zeros((0,), dtype=object))
    assert run(normalizer_model(x), {"x": x})[0].tolist() == [""]


def test_string_normalizer_errors():
    x = strings(["a"])
    m = normalizer_model(x, case_change_action="TITLE")
    with pytest.raises(onyxrt.InvalidGraph, match="case_change_action 'TITLE'"):
        run(m, {"x": x})
    x2 = strings([["a"], ["b"]])
    expect_error(normalizer_model(x2), {"x": x2}, onyxrt.InvalidArgument, "text_node", "[1, C]", "{2,1}")
    x3 = strings(["a"]).reshape(1, 1, 1)
    expect_error(normalizer_model(x3), {"x": x3}, onyxrt.InvalidArgument, "[C] or [1, C]")
    bad = strings([b"ok", b"\xff\xfe"])
    expect_error(
        normalizer_model(bad, case_change_action="LOWER"),
        {"x": bad},
        onyxrt.InvalidArgument,
        "element 1",
        "UTF-8",
    )


# ---- RegexFullMatch ----


def regex_model(x, pattern, opset=20):
    return node_model("RegexFullMatch", {"x": x}, {"y": B}, opset, pattern=pattern)


def regex_run(pattern, texts) -> list[bool]:
    x = strings(texts)
    return run(regex_model(x, pattern), {"x": x})[0].tolist()


# (pattern, texts[, the same pattern in Python's syntax]): Python's re agrees with RE2 on these
# (ASCII \w \d \s \b through re.ASCII unless the pattern folds case).
REGEX_CASES = [
    (r"www\.[\w.-]+\.\bcom\b", ["www.google.com", "www.facebook.com", "www.bbc.co.uk", "www..com"]),
    (
        r"(\W|^)[\w.\-]{0,25}@(yahoo|gmail)\.com(\W|$)",
        ["account@gmail.com", "a@hotmail.com", "x y", " b@yahoo.com!"],
    ),
    ("", ["", "a"]),
    ("a|", ["", "a", "b"]),
    ("abc", ["abc", "ab", "abcd", ""]),
    ("a*", ["", "a", "aaaa", "aab"]),
    ("a+b?", ["a", "ab", "b", "aaab", "abb"]),
    ("(ab)*c", ["c", "abc", "ababc", "abac"]),
    ("(?:a|bc)+", ["a", "bca", "abcbc", "b", ""]),
    ("a{3}", ["aa", "aaa", "aaaa"]),
    ("a{2,}", ["a", "aa", "aaaaaaa"]),
    ("a{2,4}b", ["ab", "aab", "aaaab", "aaaaab"]),
    ("a{0}b", ["b", "ab"]),
    ("x{0,1}y{1,1}", ["y", "xy", "xxy"]),
    ("a*?b+?c??", ["b", "aabbc", "c"]),  # lazy forms: the same language
    ("a{2,3}?", ["aa", "aaa", "a"]),
    ("[abc]+", ["abcabc", "abd", ""]),
    ("[^abc]+", ["xyz", "xaz", "\n"]),
    ("[a-z0-9_]+", ["az_09", "aZ"]),
    ("[]a]+", ["]a]", "b"]),
    ("[^]a]", ["b", "]", "a"]),
    ("[a-]+", ["a-a", "b"]),
    ("[-a]", ["-", "a", "b"]),
    (r"[\d.]+", ["3.14", "3,14"]),
    (r"[\w\s]+", ["hello world_1", "tab\there", "x-y"]),
    (r"[^\W\d]+", ["abc", "ab1", "a_b"]),
    (r"[\]\[\\-]+", ["[]\\-", "a"]),
    (r"\d+\.\d*", ["12.", "12.5", ".5", "1a"]),
    (r"\D\W\S", ["a!b", "1!b", "a b"]),
    (r"\s+", [" \t\r\n\f", " x"]),
    (r".+", ["anything", "line\nbreak", ""]),
    ("(?s).+", ["line\nbreak"]),
    ("a.c", ["abc", "a\nc", "aéc"]),
    (r"\bfoo\b.*", ["foo bar", "foobar", "foo"]),
    (r"a\Bb", ["ab", "a b"]),
    (r".*\bend", ["the end", "theend", "end"]),
    ("^abc$", ["abc", "abcd"]),
    ("(?m)a$\nb", ["a\nb", "ab"]),
    ("(?m)(^x\n)+", ["x\nx\n", "xx\n"]),
    ("(?i)hello", ["hello", "HeLLo", "HELLO", "help"]),
    ("(?i:ab)c", ["ABc", "abC", "Abc"]),
    ("a(?i)b|c", ["aB", "C", "Ab"], "a(?i:b)|(?i:c)"),
    ("(?i)[a-c]+", ["AbC", "abd"]),
    ("(?i)[^a]", ["A", "a", "b"]),
    ("(?P<year>\\d{4})-(?P<month>\\d{2})", ["2024-05", "24-05"]),
    (r"\x41\x{42}\103\0", ["ABC\0", "ABC"], r"\x41\x42\103\0"),
    (r"\t\n\r\f\a", ["\t\n\r\f\a"]),
    (r"\Q.*+\E+", [".*+++", ".*", "...*++"], r"\.\*\++"),
    (r"\.\*\+\?\(\)\[\]\{\}\|\^\$\\", [".*+?()[]{}|^$\\"]),
    ("a{x}", ["a{x}"]),
    ("{", ["{"]),
    ("((a|b)*c|d+)+e", ["abce", "ddde", "acdde", "e"]),
    ("(a*)*b", ["aaab", "b", "aa"]),
    ("(a|ab)(c|bcd)(d*)", ["abcd", "abcdd", "acd"]),
    ("[[:alpha:]]+[[:digit:]]", ["abc1", "ab"], "[A-Za-z]+[0-9]"),
    ("[[:^space:][:punct:]]+", ["a!b", "a b"], "[^\t-\r ]+"),
    ("[[:upper:][:xdigit:]]+", ["ABCdef019", "g"], "[A-Z0-9a-f]+"),
    (r"\Aab\z", ["ab", "abc"], r"\Aab\Z"),
    ("é+[à-ö]ü", ["ééçü", "eçü"]),
    ("日本.", ["日本語", "日本"]),
    ("[^日]+", ["本語", "日"]),
]


@pytest.mark.parametrize("case", REGEX_CASES, ids=[f"p{i}" for i in range(len(REGEX_CASES))])
def test_regex_full_match_agrees_with_python_re_and_onnxruntime(case):
    pattern, texts = case[0], case[1]
    python_pattern = case[2] if len(case) > 2 else pattern
    compiled = re.compile(python_pattern, 0 if "(?i" in pattern else re.ASCII)
    want = [compiled.fullmatch(t) is not None for t in texts]
    assert regex_run(pattern, texts) == want
    x = strings(texts)
    assert run_ort(regex_model(x, pattern), {"x": x})[0].tolist() == want


@pytest.mark.parametrize(
    "pattern, texts, want",
    [
        # RE2 and Python differ here; onyxrt follows RE2 (and onnxruntime, which uses RE2).
        (r"\s", ["\v"], [False]),  # RE2's \s has no vertical tab
        ("a$", ["a\n"], [False]),  # $ is the end of the text, never before a final newline
        (r"\w+", ["héllo"], [False]),  # \w is ASCII
        ("(?i)k", ["\u212a", "K"], [True, True]),  # Kelvin sign folds to k
        ("(?i)s+", ["sSſ"], [True]),  # long s folds to s
        ("(?i)σ+", ["ΣσςΣ"], [True]),
        ("(?i)[à-ö]+", ["ÀöÉ"], [True]),
        ("(?i)[α-ω]+ [а-я]+", ["ΑλΦΑ ПрИвЕт", "ΑλΦΑ Ё"], [True, False]),
        ("(?i)[^α-ω]", ["Σ", "ς", "a"], [False, False, True]),
        ("(?i)straße", ["STRAẞE", "STRASSE"], [True, False]),  # simple folding only
        (r"(?U)a+", ["aaa"], [True]),
        ("^*a", ["a"], [True]),  # RE2 repeats an empty-width assertion
        ("a{,3}", ["a{,3}", "aaa"], [True, False]),  # not a repetition in RE2: literal text
        (r"\Qa\\b\E", ["a\\b", "a\\\\b"], [False, True]),  # \Q...\E keeps backslashes as they are
        (r"a\Q\E*", ["aaa", ""], [True, True]),
        ("(?P<n>a)(?<n>b)(?P<é1>c)", ["abc"], [True]),  # names are only checked, and may repeat
        (r"\_\ \0\01", ["_ \0\1"], [True]),
    ],
)
def test_regex_full_match_follows_re2_where_python_differs(pattern, texts, want):
    assert regex_run(pattern, texts) == want
    x = strings(texts)
    assert run_ort(regex_model(x, pattern), {"x": x})[0].tolist() == want


def random_pattern(rng, depth=0) -> str:
    atoms = ["a", "b", ".", "[ab]", "[^a]", r"\w", r"\s", r"\b", "^", "$", "x"]
    quantifiers = ["", "", "*", "+", "?", "{0,2}", "{2}", "{1,}", "*?", "+?"]
    alternatives = []
    for _ in range(rng.integers(1, 3)):
        items = []
        for _ in range(rng.integers(1, 4)):
            if depth < 2 and rng.random() < 0.25:
                atom = ("(" if rng.random() < 0.5 else "(?:") + random_pattern(rng, depth + 1) + ")"
            else:
                atom = atoms[rng.integers(len(atoms))]
            items.append(atom + quantifiers[rng.integers(len(quantifiers))])
        alternatives.append("".join(items))
    return "|".join(alternatives)


def test_regex_full_match_random_patterns_agree_with_onnxruntime():
    # onnxruntime runs RE2 itself: random patterns of the common syntax against random texts.
    rng = np.random.default_rng(7)
    texts = strings(["".join(rng.choice(list("abAB x\n"), rng.integers(0, 7))) for _ in range(40)] + [""])
    for _ in range(150):
        pattern = random_pattern(rng)
        if rng.random() < 0.2:
            pattern = "(?i)" + pattern
        model = regex_model(texts, pattern)
        got = run(model, {"x": texts})[0].tolist()
        assert got == run_ort(model, {"x": texts})[0].tolist(), pattern


def test_regex_full_match_shapes_and_empty_input():
    x = strings([["ab", "a"], ["b", "aab"]])
    y = run(regex_model(x, "a*b"), {"x": x})[0]
    assert y.dtype == np.bool_ and y.tolist() == [[True, False], [True, True]]
    empty = strings(np.zeros((2, 0), dtype=object))
    assert run(regex_model(empty, "x"), {"x": empty})[0].shape == (2, 0)
    scalar = strings("abc")
    assert run(regex_model(scalar, "a.c"), {"x": scalar})[0].tolist() is True


def test_regex_full_match_invalid_utf8_bytes_read_as_one_character_each():
    x = strings([b"a\xffb", b"a\xff\xfeb"])
    assert run(regex_model(x, "a.b"), {"x": x})[0].tolist() == [True, False]


def test_regex_full_match_is_linear_on_long_inputs():
    long_a = "a" * 100_000
    texts = [long_a, long_a + "b", "ab" * 50_000 + "c", "x" * 100_000 + "y"]
    start = time.perf_counter()
    got = regex_run("(?:a|b)*c|a+|(x+x+)+y", texts)
    assert got == [True, False, True, True]
    # (x+x+)+y backtracks exponentially in a backtracking engine on x...x without the y.
    assert regex_run("(x+x+)+y", ["x" * 100_000]) == [False]
    assert regex_run("(a*)*b", ["a" * 100_000]) == [False]
    assert regex_run(r"(\w+\s?)*$", ["word " * 20_000 + "!"]) == [False]
    assert time.perf_counter() - start < 30


def test_regex_full_match_many_strings_with_threads():
    rng = np.random.default_rng(1)
    texts = ["".join(rng.choice(list("ab@.c"), rng.integers(0, 12))) for _ in range(3000)]
    pattern = r"[ab]+@[abc]+\.c"
    x = strings(texts)
    want = [re.fullmatch(pattern, t) is not None for t in texts]
    assert run(regex_model(x, pattern), {"x": x}, threads=4)[0].tolist() == want


@pytest.mark.parametrize(
    "pattern, fragment",
    [
        ("(abc", "missing closing )"),
        ("abc)", "unmatched ')'"),
        ("[abc", "missing closing ]"),
        ("a**", "bad repetition operator"),
        ("a+*", "bad repetition operator"),
        ("a{2}{3}", "bad repetition operator"),
        ("*a", "missing argument to repetition operator"),
        ("a|+", "missing argument to repetition operator"),
        ("{2}", "missing argument to repetition operator"),
        ("a{3,2}", "min above max"),
        ("a{1001}", "counts above 1000"),
        ("a{2,1001}", "counts above 1000"),
        ("[z-a]", "invalid character class range"),
        ("[a-\\d]", "invalid character class range"),
        ("x[[:nope:]]", "invalid character class [:nope:]"),
        ("\\q", "invalid escape sequence \\q"),
        ("\\xZ1", "invalid escape sequence \\x"),
        ("\\x{110000}", "invalid escape sequence \\x{"),
        ("abc\\", "trailing \\"),
        ("(a)\\1", "backreferences (\\1) are not supported (not RE2 syntax)"),
        ("(?P<n>a)(?P=n)", "backreferences (?P=name)"),
        ("\\k<n>", "backreferences (\\k)"),
        ("a(?=b)", "lookahead assertions"),
        ("a(?!b)", "lookahead assertions"),
        ("(?<=a)b", "lookbehind assertions"),
        ("(?<!a)b", "lookbehind assertions"),
        ("(?>a)", "unsupported group syntax"),
        ("(?#comment)", "unsupported group syntax"),
        ("(?)", "unsupported group syntax"),
        ("(?i-)", "unsupported group syntax"),
        ("(?P<1-x>a)", "invalid named capture group"),
        ("(?<>a)", "invalid named capture group"),
        ("\\p{L}", "Unicode character classes"),
        ("[\\pL]", "Unicode character classes"),
        ("\\C", "\\C (any byte)"),
        ("a\\Z", "\\Z is not RE2 syntax"),
        ("((a{1000}){1000})", "too large"),
        ("(((){1000}){1000}){1000}", "too large"),
        ("(" * 251 + ")" * 251, "nested deeper than 250"),
    ],
)
def test_regex_full_match_refuses_bad_patterns_at_session_creation(pattern, fragment):
    x = strings(["a"])
    model = regex_model(x, pattern)
    with pytest.raises(onyxrt.InvalidArgument) as info:
        onyxrt.InferenceSession(model.SerializeToString())
    message = str(info.value)
    assert fragment in message, message
    assert "text_node" in message and "invalid pattern '" + pattern[:50] in message, message


def test_regex_patterns_refused_by_onyxrt_are_refused_by_onnxruntime_too():
    # Spot checks that the errors above are RE2's errors and not limits of our own.
    x = strings(["a"])
    for pattern in [
        "(abc",
        "a**",
        "a{1001}",
        "(a)\\1",
        "a(?=b)",
        "(?<=a)b",
        "[z-a]",
        "\\q",
        "a{2}{3}",
        "\\8",
        "[[:foo:]]",
    ]:
        with pytest.raises(OrtFail):
            run_ort(regex_model(x, pattern), {"x": x})


def test_regex_full_match_missing_pattern():
    x = strings(["a"])
    node = helper.make_node("RegexFullMatch", ["x"], ["y"], name="text_node")
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", S, None)],
        [helper.make_tensor_value_info("y", B, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)], ir_version=10)
    with pytest.raises(onyxrt.InvalidArgument, match="'pattern' is missing"):
        run(model, {"x": x})


def test_string_ops_do_not_exist_before_opset_20():
    x = strings(["a"])
    with pytest.raises(onyxrt.NotImplemented):
        run(regex_model(x, "a", opset=19), {"x": x})


# ---- TfIdfVectorizer ----

POOL_INTS = [2, 3, 5, 4, 5, 6, 7, 8, 6, 7]  # four unigrams, three bigrams
POOL_STRINGS = ["two", "three", "five", "four", "five", "six", "seven", "eight", "six", "seven"]
WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 1: "one"}


def tfidf_model(x, opset=9, **attrs):
    return node_model("TfIdfVectorizer", {"x": x}, {"y": F32}, opset, **attrs)


def tfidf_attrs(mode="TF", min_n=1, max_n=2, skip=0, strings_pool=False, **extra):
    attrs = {
        "mode": mode,
        "min_gram_length": min_n,
        "max_gram_length": max_n,
        "max_skip_count": skip,
        "ngram_counts": [0, 4],
        "ngram_indexes": list(range(7)),
    }
    attrs["pool_strings" if strings_pool else "pool_int64s"] = POOL_STRINGS if strings_pool else POOL_INTS
    attrs.update(extra)
    return attrs


X_ROWS = np.array([[1, 1, 3, 3, 3, 7], [8, 6, 7, 5, 6, 8]], dtype=np.int32)


@pytest.mark.parametrize("mode", ["TF", "IDF", "TFIDF"])
@pytest.mark.parametrize("min_n, max_n", [(1, 1), (1, 2), (2, 2)])
@pytest.mark.parametrize("skip", [0, 1, 5])
@pytest.mark.parametrize("dtype", ["int32", "int64", "string"])
@pytest.mark.parametrize("batch", [False, True])
def test_tfidf_vectorizer_against_onnxruntime(mode, min_n, max_n, skip, dtype, batch):
    x = X_ROWS if batch else X_ROWS.reshape(-1)
    x = strings(np.vectorize(WORDS.get)(x)) if dtype == "string" else x.astype(dtype)
    weights = [0.5, 1.5, 2.0, 0.25, 3.0, 1.0, 0.75] if mode != "TF" else None
    attrs = tfidf_attrs(mode, min_n, max_n, skip, strings_pool=dtype == "string")
    if weights:
        attrs["weights"] = weights
    model = tfidf_model(x, **attrs)
    assert_same(run(model, {"x": x}), run_ort(model, {"x": x}))


def edge_attrs(**change):
    attrs = tfidf_attrs("TFIDF", 1, 2, 2)
    attrs.update(change)
    attrs.setdefault("weights", [0.5 + i for i in range(len(attrs["ngram_indexes"]))])
    return attrs


@pytest.mark.parametrize(
    "x, attrs",
    [
        (
            np.array([5, 6, 7, 8, 6, 7, 5, 6], dtype=np.int64),
            edge_attrs(
                min_gram_length=2,
                ngram_counts=[0, 0],
                ngram_indexes=[0, 1, 2],
                pool_int64s=[5, 6, 7, 8, 6, 7],
            ),
        ),
        (
            np.array([2, 3, 2, 5, 6, 7], dtype=np.int64),
            edge_attrs(ngram_indexes=[6, 5, 4, 3, 2, 1, 0]),
        ),  # permuted
        (
            np.array([2, 3, 5, 6, 7, 8], dtype=np.int64),
            edge_attrs(mode="TF", ngram_indexes=[0, 0, 1, 1, 2, 2, 2]),
        ),
        (np.array(5, dtype=np.int64), edge_attrs()),  # a scalar is one row of one token
        (np.zeros((0,), dtype=np.int64), edge_attrs()),
        (np.zeros((3, 0), dtype=np.int32), edge_attrs()),
        (np.array([9, 9, 9], dtype=np.int64), edge_attrs()),  # nothing from the pool
        (
            np.array([[5, 6, 7, 8, 6, 7, 5], [6, 7, 5, 5, 6, 8, 7]], dtype=np.int64),
            edge_attrs(
                min_gram_length=1,
                max_gram_length=3,
                max_skip_count=1,
                ngram_counts=[0, 2, 4],
                pool_int64s=[5, 6, 5, 6, 7, 8, 6, 7, 5, 6, 5, 6, 7],
            ),
        ),
        (
            np.array([[5, 6, 7, 8, 6, 7, 5]], dtype=np.int64),  # the 3-grams are outside [1, 2]: not loaded
            edge_attrs(
                max_gram_length=2, ngram_counts=[0, 2, 4], pool_int64s=[5, 6, 5, 6, 7, 8, 6, 7, 5, 6, 5, 6, 7]
            ),
        ),
        (
            np.array(
                [1, 2, 2, 3, 3, 3], dtype=np.int64
            ),  # IDF keeps the last n-gram found at a shared coordinate
            edge_attrs(
                mode="IDF",
                max_gram_length=1,
                ngram_counts=[0],
                pool_int64s=[1, 2, 3],
                ngram_indexes=[0, 0, 1],
            ),
        ),
    ],
)
def test_tfidf_vectorizer_edge_cases_against_onnxruntime(x, attrs):
    model = tfidf_model(x, **attrs)
    assert_same(run(model, {"x": x}), run_ort(model, {"x": x}))


def test_tfidf_vectorizer_huge_skip_count_is_cheap():
    x = X_ROWS.astype(np.int64)
    big = tfidf_model(x, **tfidf_attrs("TF", 1, 2, 2**40))
    enough = tfidf_model(x, **tfidf_attrs("TF", 1, 2, 5))
    start = time.perf_counter()
    assert_same(run(big, {"x": x}), run(enough, {"x": x}))
    assert time.perf_counter() - start < 10


def test_tfidf_vectorizer_many_rows_with_threads():
    rng = np.random.default_rng(2)
    x = rng.integers(2, 9, size=(300, 40)).astype(np.int64)
    model = tfidf_model(x, **tfidf_attrs("TFIDF", 1, 2, 3, weights=[0.5, 1.5, 2.0, 0.25, 3.0, 1.0, 0.75]))
    assert_same(run(model, {"x": x}, threads=4), run_ort(model, {"x": x}))


def test_tfidf_vectorizer_matches_the_reference_at_a_newer_opset():
    x = X_ROWS.astype(np.int64)
    model = tfidf_model(
        x, opset=21, **tfidf_attrs("IDF", 1, 2, 1, weights=[0.5, 1.5, 2.0, 0.25, 3.0, 1.0, 0.75])
    )
    assert_same(run(model, {"x": x}), ReferenceEvaluator(model).run(None, {"x": x}))


@pytest.mark.parametrize(
    "change, error, fragment",
    [
        ({"mode": "BM25"}, onyxrt.InvalidGraph, "mode 'BM25'"),
        ({"min_gram_length": 0}, onyxrt.InvalidGraph, "min_gram_length must be positive"),
        ({"min_gram_length": 2, "max_gram_length": 1}, onyxrt.InvalidGraph, "below min_gram_length"),
        ({"max_gram_length": 3}, onyxrt.InvalidGraph, "max_gram_length 3 exceeds"),
        ({"max_skip_count": -1}, onyxrt.InvalidGraph, "max_skip_count must be non-negative"),
        ({"ngram_indexes": [0, 1, -2, 3, 4, 5, 6]}, onyxrt.InvalidGraph, "coordinate -2, outside"),
        ({"ngram_indexes": [0, 1, 2, 3, 4, 5, 2**62]}, onyxrt.InvalidGraph, "outside [0, 2^40)"),
        ({"ngram_indexes": [0, 1, 2]}, onyxrt.InvalidGraph, "more n-grams than ngram_indexes"),
        ({"ngram_counts": [0, 3]}, onyxrt.InvalidGraph, "not whole 2-grams"),
        ({"ngram_counts": [4, 2]}, onyxrt.InvalidGraph, "out of order"),
        ({"ngram_counts": [0, 11]}, onyxrt.InvalidGraph, "outside the pool"),
        ({"pool_int64s": [2, 3, 5, 2, 5, 6, 7, 8, 6, 7]}, onyxrt.InvalidGraph, "1-gram twice"),
        ({"pool_strings": POOL_STRINGS}, onyxrt.InvalidGraph, "exactly one of pool_strings and pool_int64s"),
        ({"weights": [1.0, 2.0]}, onyxrt.InvalidGraph, "weights has 2 values"),
    ],
)
def test_tfidf_vectorizer_attribute_errors(change, error, fragment):
    x = X_ROWS.astype(np.int64)
    attrs = tfidf_attrs()
    attrs.update(change)
    expect_error(tfidf_model(x, **attrs), {"x": x}, error, "text_node", fragment)


def test_tfidf_vectorizer_input_errors():
    x3 = np.zeros((1, 2, 3), dtype=np.int64)
    expect_error(tfidf_model(x3, **tfidf_attrs()), {"x": x3}, onyxrt.InvalidArgument, "[B, C]", "{1,2,3}")
    xs = strings(["two", "three"])
    expect_error(tfidf_model(xs, **tfidf_attrs()), {"x": xs}, onyxrt.InvalidArgument, "string", "pool_int64s")
    xi = np.array([2, 3], dtype=np.int64)
    expect_error(
        tfidf_model(xi, **tfidf_attrs(strings_pool=True)), {"x": xi}, onyxrt.InvalidArgument, "pool_strings"
    )
    missing = tfidf_attrs()
    del missing["pool_int64s"]
    expect_error(tfidf_model(xi, **missing), {"x": xi}, onyxrt.InvalidGraph, "exactly one of")
