#!/usr/bin/env python3
"""Render docs/errors.md from the compile-fail tests and the compilers' real output.

    python3 scripts/render-errors-doc.py            # writes docs/errors.md
    python3 scripts/render-errors-doc.py --check    # exit 1 if docs/errors.md is not up to date
    python3 scripts/render-errors-doc.py --strict   # exit 1 if a test gives other than one error

For every tests/compile_fail/<stem>.cpp it compiles the `<stem>_ko` variant (the mistake, under
`#ifdef TENET_EXPECT_FAIL`) from the repository root, one file at a time:

    LC_ALL=C g++        -std=c++20 -fsyntax-only -DTENET_EXPECT_FAIL -Iinclude tests/compile_fail/<stem>.cpp
    LC_ALL=C clang++-14 -std=c++20 -fsyntax-only -DTENET_EXPECT_FAIL -Iinclude tests/compile_fail/<stem>.cpp

and counts the `error:` lines and all lines of each output. The page shows the g++ output in
full, with both line counts. A test that does not give exactly one error with each compiler (or
whose output does not match its `// TENET_EXPECT_ERROR:` regex) is listed in a warning on stderr,
and its entry on the page says so.

What each entry says comes from the test file itself: the comment under the
`// TENET_EXPECT_ERROR:` line (the mistake, in one sentence), the code between
`#ifdef TENET_EXPECT_FAIL` and its `#else` (the mistake) and the code after the `#else` (the fix).
The hand-written parts, titles, advice and the grouping into sections, are the tables below,
keyed by the test's file name without `.cpp`. A new test needs no entry to appear (it goes to
"Other diagnostics", titled by its comment), but deserves one.

Environment: TENET_GXX and TENET_CLANG override the compilers (default g++ and clang++-14).
Python 3 standard library only.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CF_DIR = 'tests/compile_fail'
DOC = 'docs/errors.md'
FLAGS = ['-std=c++20', '-fsyntax-only', '-DTENET_EXPECT_FAIL', '-Iinclude']
GXX = os.environ.get('TENET_GXX', 'g++')
CLANG = os.environ.get('TENET_CLANG', 'clang++-14')

# --- hand-written content -------------------------------------------------------------------
# Sections, in page order, and the tests in each, in order. The first test is the intro's example.
GROUPS = [
    ('Layer order', [
        'dense_without_flatten', 'softmax_on_image', 'conv_on_vector', 'pool_on_vector']),
    ('Sizes', [
        'kernel_larger_than_input', 'pool_window_larger_than_input', 'zero_filters', 'zero_units',
        'zero_kernel', 'zero_pool', 'zero_stride_conv', 'zero_stride_pool']),
    ('Layer options', [
        'unknown_option', 'unknown_option_pool', 'conflicting_padding', 'conflicting_strides',
        'conv2d_without_kernel', 'dropout_rate_out_of_range', 'dropout_float_rate_out_of_range',
        'dropout_ratio_zero_denominator']),
    ('Network arguments', [
        'first_argument_not_input', 'bad_input_rank', 'zero_input_dimension', 'not_a_layer',
        'stride_as_a_layer', 'expect_mismatch']),
    ('Running a network', [
        'predict_wrong_shape', 'predict_batch_wrong_shape', 'predict_vector_wrong_shape',
        'activations_wrong_shape', 'layer_index_out_of_range', 'tensor_not_arithmetic']),
    ('Datasets', [
        'data_dataset_shape_mismatch', 'data_dataset_class_count_mismatch']),
    ('Two mistakes, one error', [
        'two_mistakes_one_error']),
]
OTHER_SECTION = 'Other diagnostics'

TITLES = {
    'dense_without_flatten': '`dense` on an image: `flatten` is missing',
    'softmax_on_image': '`softmax` on an image',
    'conv_on_vector': '`conv2d` on a flat input',
    'pool_on_vector': '`max_pool` after `flatten`',
    'kernel_larger_than_input': 'Convolution kernel larger than its input',
    'pool_window_larger_than_input': 'Pooling window larger than its input',
    'zero_filters': 'A convolution with zero filters',
    'zero_units': 'A dense layer with zero units',
    'zero_kernel': 'A kernel side of zero',
    'zero_pool': 'A pooling window of zero',
    'zero_stride_conv': 'A zero stride in `conv2d`',
    'zero_stride_pool': 'A zero stride in `max_pool`',
    'unknown_option': 'An option `conv2d` does not know',
    'unknown_option_pool': '`same` padding on `max_pool`',
    'conflicting_padding': 'Both `same` and `valid`',
    'conflicting_strides': 'Two strides',
    'conv2d_without_kernel': '`conv2d` without its kernel',
    'dropout_rate_out_of_range': 'A dropout rate of 1 or more',
    'dropout_float_rate_out_of_range': 'A dropout rate of 1 or more, written as a float',
    'dropout_ratio_zero_denominator': 'A dropout fraction with a zero denominator',
    'first_argument_not_input': 'The network does not start with `input<...>`',
    'bad_input_rank': 'An input that is neither an image nor a vector',
    'zero_input_dimension': 'An input with a zero size',
    'not_a_layer': 'Something that is not a layer',
    'stride_as_a_layer': 'An option written as a layer of its own',
    'expect_mismatch': '`expect<...>` does not hold',
    'predict_wrong_shape': '`predict` on a tensor of another shape',
    'predict_batch_wrong_shape': '`predict` on a batch of tensors of another shape',
    'predict_vector_wrong_shape': '`predict` on a `std::vector` of tensors of another shape',
    'activations_wrong_shape': '`activations` on a tensor of another shape',
    'layer_index_out_of_range': '`layer<I>()` past the last layer',
    'tensor_not_arithmetic': 'A tensor of something other than numbers',
    'data_dataset_shape_mismatch': 'A dataset whose images are not the network\'s input shape',
    'data_dataset_class_count_mismatch': 'A dataset with more classes than the network has outputs',
    'two_mistakes_one_error': 'Two mistakes in one network',
}

# What to do; rendered after "**What to do:**" and followed by the test's corrected code.
ADVICE = {
    'dense_without_flatten': '''
put `tenet::flatten` between the last convolution or pooling layer and the first `dense`.
`dense` multiplies a vector by a matrix; `flatten` turns the (H, W, C) image into that vector
(H·W·C values, channels last, as Keras flattens).''',
    'softmax_on_image': '''
`softmax` turns a vector of class scores into probabilities. End a classifier with
`tenet::flatten, tenet::dense<classes>, tenet::softmax`.''',
    'conv_on_vector': '''
a convolution slides a window over an image, so declare the input as one:
`tenet::input<28, 28, 1>` (height, width, channels; channels last) rather than
`tenet::input<784>`. If the convolution comes after `flatten`, move it before.''',
    'pool_on_vector': '''
pooling works on images; move `max_pool` before `flatten`.''',
    'kernel_larger_than_input': '''
with `valid` padding (the default, as in Keras) the output is `in - kernel + 1`, so the kernel
must fit in the incoming image. Use a smaller kernel, `tenet::same` padding (the output keeps
the input's size), or fewer pooling layers before it. The incoming shape is the third argument
of `check_layer<...>`.''',
    'pool_window_larger_than_input': '''
each `max_pool<2>` halves height and width (rounding down), so a deep stack of them runs out of
pixels. Remove a pooling layer or use a smaller window; the `check_layer<...>` line shows which
layer (index 4 here: the fifth pool) and what reaches it, `(1, 1, 1)`.''',
    'zero_filters': '''
every size is at least 1: the number of filters (`conv2d<Filters, ...>`), units
(`dense<Units>`), each kernel side (`kernel<KH, KW>`) and the pooling window (`max_pool<P>`).''',
    'zero_units': '''
give `dense` at least one unit, e.g. `dense<10>` for ten classes.''',
    'zero_kernel': '''
both kernel sides are at least 1: `kernel<KH, KW>`, e.g. `kernel<3, 3>`.''',
    'zero_pool': '''
the window is at least 1; `max_pool<2>` is the usual choice.''',
    'zero_stride_conv': '''
a stride is at least 1. `stride<1>` is the default for `conv2d`, so it can be left out.''',
    'zero_stride_pool': '''
both steps of `stride<SH, SW>` are at least 1. `max_pool<P>` already steps by `P` when no
stride is given.''',
    'unknown_option': '''
`conv2d<Filters, kernel<KH, KW>, Options...>` takes, in any order, at most one of
`tenet::same` / `tenet::valid` and at most one `tenet::stride<S>` or `stride<SH, SW>`.''',
    'unknown_option_pool': '''
`max_pool` never pads (out = floor((in - P) / stride) + 1); its only option is
`tenet::stride<...>`. Remove `tenet::same`.''',
    'conflicting_padding': '''
keep one padding: `tenet::same` (output size `ceil(in / stride)`) or `tenet::valid` (no
padding, the default).''',
    'conflicting_strides': '''
keep one `tenet::stride<...>`.''',
    'conv2d_without_kernel': '''
the second argument of `conv2d` is the window, `tenet::kernel<KH, KW>`; the options
(`same`, `valid`, `stride<...>`) come after it: `conv2d<16, tenet::kernel<3, 3>, tenet::same>`.
The `check_layer<...>` line shows the layer as written (`conv2d<16, tenet::same>`) and its index.''',
    'dropout_rate_out_of_range': '''
the rate is the fraction of values dropped while training, from 0 up to (not including) 1:
`tenet::dropout_ratio<1, 2>` drops half. With g++ you can also write `tenet::dropout<0.5f>`
(a float template argument; clang 14 cannot take one, use `dropout_ratio` there).''',
    'dropout_float_rate_out_of_range': '''
as above: `tenet::dropout<0.5f>`. `tenet::dropout<Rate>` exists only where the compiler takes
float template arguments (`TENET_HAS_FLOAT_TEMPLATE_ARGS` is 1: g++ 11 and later, not clang 14);
the test falls back to `dropout_ratio<3, 2>` elsewhere, so the clang line count is for that
branch.''',
    'dropout_ratio_zero_denominator': '''
`dropout_ratio<Num, Den>` is `Num / Den`; the denominator must not be 0
(`dropout_ratio<1, 10>` drops 10%). A zero denominator is reported as a rate out of range.''',
    'first_argument_not_input': '''
the first argument of `tenet::network` is the shape of one example: `tenet::input<H, W, C>`
for an image (channels last) or `tenet::input<N>` for a vector.''',
    'bad_input_rank': '''
an image input has three sizes, height, width and channels: `tenet::input<28, 28, 1>` for
greyscale, `tenet::input<32, 32, 3>` for RGB.''',
    'zero_input_dimension': '''
every size of `tenet::input<...>` is at least 1.''',
    'not_a_layer': '''
every argument after the input must be a layer: one of tenet's (`conv2d`, `max_pool`,
`dense`, `flatten`, `relu`, `tanh`, `sigmoid`, `softmax`, `dropout`, `expect`) or your own type
satisfying `tenet::Layer` (see [the layer contract](layer_contract.md)). The
`check_is_layer<layer_index<N>, T>` line gives the position and the argument.''',
    'stride_as_a_layer': '''
`stride<...>`, `same` and `valid` are options and go inside the layer they configure:
`conv2d<16, kernel<3, 3>, stride<2>>`.''',
    'expect_mismatch': '''
`tenet::expect<shape<...>>` is a checkpoint: it states the shape you believe flows at that
point. The `check_layer<...>` line shows both: the expected shape inside `tenet::expect<...>`
and the actual incoming shape as the third argument, here `(14, 14, 16)` because the
convolution has 16 filters. Fix whichever is wrong; `summary()` prints every layer's output
shape.''',
    'predict_wrong_shape': '''
`predict` takes `tenet::tensor<float, S>` where `S` is the network's input shape. Declare the
data with the network's own type, `tenet::tensor<float, net_t::input_shape>`, so the two cannot
drift apart; or change `tenet::input<...>` if the data is right. Both shapes are in the
`check_input<expected<...>, given<...>>` line.''',
    'predict_batch_wrong_shape': '''
as above; the batch overload takes `std::span<const tensor<float, input_shape>>` and
`std::span<tensor<float, output_shape>>`.''',
    'predict_vector_wrong_shape': '''
as above, with `std::vector<tenet::tensor<float, net_t::input_shape>>`.''',
    'activations_wrong_shape': '''
as for `predict` (the message names `predict`, but the check and the fix are the same for
`activations`).''',
    'layer_index_out_of_range': '''
layers are numbered from 0, the first layer after `input<...>`, as in the first column of
`summary()`; the last is `net_t::depth - 1`. The `[with ... I = 99; ...]` part of the
`In instantiation of` line gives the index you asked for, and the `note: the comparison
reduces to` line the number of layers.''',
    'tensor_not_arithmetic': '''
a tensor holds plain arithmetic values; networks compute in `float`.''',
    'data_dataset_shape_mismatch': '''
the dataset's `shape<...>` and the network's `input<...>` are both in the
`check_dataset() [with Net = ...; Dataset = ...]` line. Load the data with the shape the
network expects, or declare the network for the data (here `tenet::input<28, 28, 1>` for
Fashion-MNIST). `tenet::data::fits_v<Net, Dataset>` gives the same test as a `bool`. See
[the datasets page](data.md#the-dataset-must-fit-the-network-a-compile-time-check).''',
    'data_dataset_class_count_mismatch': '''
the last layer needs one output per class: either keep as many classes as the network has
outputs (for EMNIST letters, list ten file class ids in `idx_options::classes` and load a
`dataset<..., 10>`, see [the datasets page](data.md#idx_options-and-emnist)), or widen the last
layer to `dense<26>`. Both numbers are in the `check_dataset() [with Net = ...; Dataset = ...]`
line: the network's last `dense<N>` and the dataset's second argument.''',
    'two_mistakes_one_error': '''
fix the mistake that is reported and rebuild; the next one, if any, is reported the same way.
This network has two mistakes: `dense<64>` on the image (index 0) and, later, `conv2d` on the
vector that `dense` would produce (index 2). Only the first is reported: the layers after a
failed check are not checked at all, so they cannot add errors of their own. The test's regex
accepts exactly one `error:` in the whole output. The corrected network below fixes both.''',
}

# Hand-written notes for a test that does not give exactly one error; shown only while it does
# not (the page then also gives the counts). Empty while every diagnostic is a single error.
KNOWN = {}

# Outputs longer than this are cut on the page (only ever when a test gives more than one error).
MAX_SHOWN_LINES = 40

INTRO_TOP = '''\
# Compile-time errors

<!-- Generated by scripts/render-errors-doc.py from tests/compile_fail/ and real compiler output: edit the script or the tests, not this file. -->

tenet checks a network while its type is being formed: every layer is checked against the shape
the layer before it produces, and a mistake stops the build with one message from
[`include/tenet/diagnostics.hpp`](../include/tenet/diagnostics.hpp). This page shows each
message as {gname} prints it, with the code that triggers it and what to do. Every entry is a
compile-fail test in [`tests/compile_fail/`](../tests/compile_fail/): the file holds the mistake
under `#ifdef TENET_EXPECT_FAIL` and the corrected code after `#else`, and ctest checks both
(`ctest -L compile_fail`).

## How to read a tenet diagnostic

Take a network with `dense` straight after a convolution. {gname} prints, among other lines:

```text
{excerpt}
```

({nexcerpt} of its {ntotal} lines; the whole output is in the first entry below). Reading it:

- **The `check_layer<layer_index<N>, Layer, Incoming>` line carries the evidence.**
  `layer_index<N>` is the position of the layer: 0 is the first layer after `input<...>`, the same
  numbering as the first column of `summary()` and as `network::layer<N>()` (so above, index 2 is
  `dense<10>`, after `conv2d` at 0 and `relu` at 1). `Layer` is the layer as you wrote it, and
  `Incoming` is the shape the layer before it produces, here `(28, 28, 16)`.
  Checks that are not about one layer name their own line the same way:
  `check_input<expected<...>, given<...>>` for `predict` and `activations`,
  `check_network_input<...>` for the first argument of `network`, `check_is_layer<layer_index<N>, T>`
  for an argument that is not a layer, and `check_dataset() [with Net = ...; Dataset = ...]` for
  a dataset.
- **The `required from here` line** is the line of your code that formed the network type.
- **The `error:` line says what is wrong and what to do.** Every tenet message starts with
  `tenet` (`tenet:`, `tenet::expect:`, `tenet::network:`...). The text is fixed; the numbers are in
  the `check_layer<...>` line, because C++20 `static_assert` cannot format them into the message.
- The `note: ... evaluates to false` lines that g++ adds after it repeat the failed condition and
  can be ignored.
- **{cname} prints the same parts in a different order**: the `error:` line comes first, and the
  `check_layer<...>` instantiation follows it as a `note: in instantiation of template class ...
  requested here`. When a message says "the line above", look just below it on clang.
- **One mistake, one error.** After a failed check the rest of the network receives an "invalid
  shape" and is not checked, so the layers after the mistake add nothing. If a network has two
  mistakes, you see the first; fix it and rebuild to see the next (see
  [Two mistakes, one error](#two-mistakes-one-error)).

Line counts below are the whole output of the compiler for that file (`wc -l`), with the
commands given at the end of this page.'''

RUNTIME = '''\
## Runtime errors

Bad files, bad data and bad command lines are found while a program runs, not by the
compiler: tenet then throws an exception whose message names the file (or the example) and
says what is wrong. Every one of them, with the exact message and the test that checks it, is
in [errors-runtime.md](errors-runtime.md): IDX data files, weight files (loading, and saving
into a missing or read-only directory or onto a full disk), training data and NaN losses,
and the examples' command line and output directory.'''

OUTRO = '''\
## How this page was produced

This page is generated: run

```sh
python3 scripts/render-errors-doc.py
```

after changing a message in `include/tenet/` or a test in `tests/compile_fail/`. For every test
it runs, from the repository root and one file at a time,

```sh
LC_ALL=C {gxx} {flags} tests/compile_fail/<name>.cpp
LC_ALL=C {clang} {flags} tests/compile_fail/<name>.cpp
```

and pastes the g++ output unchanged (relative paths because it runs from the repository root,
ASCII quotes because of `LC_ALL=C`, as ctest sees them). The line and `error:` counts come from
the same runs. Compilers used for this version of the page:

- {gversion}
- {cversion}

Titles, advice and sections are in the script; the one-sentence description and both versions of
the code are read from each test file.'''

NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
                'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen',
                'seventeen', 'eighteen', 'nineteen', 'twenty']

ERROR_LINE = re.compile(r'(?:^|: )(?:fatal )?error:')


def words(n):
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)


# --- reading a test file -----------------------------------------------------------------------
class TestFile:
    def __init__(self, path):
        self.path = path
        self.stem = path.stem
        self.rel = f'{CF_DIR}/{path.name}'
        lines = path.read_text(encoding='utf-8').split('\n')
        marker = [i for i, l in enumerate(lines) if re.match(r'\s*//\s*TENET_EXPECT_ERROR:', l)]
        if len(marker) != 1:
            raise SystemExit(f'{self.rel}: needs exactly one `// TENET_EXPECT_ERROR:` line')
        m = marker[0]
        self.regex = re.sub(r'^\s*//\s*TENET_EXPECT_ERROR:\s*', '', lines[m]).strip()
        # The description: the comment lines right after the marker.
        desc = []
        for l in lines[m + 1:]:
            s = l.strip()
            if not s.startswith('//'):
                break
            desc.append(s[2:].strip())
        self.description = ' '.join(d for d in desc if d)
        self.preamble, self.bad, self.good = self._split(lines)

    def _split(self, lines):
        """Declarations before main(), the TENET_EXPECT_FAIL branch and its #else branch."""
        try:
            start = next(i for i, l in enumerate(lines) if l.strip() == '#ifdef TENET_EXPECT_FAIL')
        except StopIteration:
            raise SystemExit(f'{self.rel}: no `#ifdef TENET_EXPECT_FAIL`')
        depth, els, end = 0, None, None
        for i in range(start + 1, len(lines)):
            d = lines[i].strip()
            if re.match(r'#\s*if', d):
                depth += 1
            elif re.match(r'#\s*endif', d):
                if depth == 0:
                    end = i
                    break
                depth -= 1
            elif re.match(r'#\s*else', d) and depth == 0:
                els = i
        if end is None:
            raise SystemExit(f'{self.rel}: `#ifdef TENET_EXPECT_FAIL` has no `#endif`')
        bad = lines[start + 1:els if els is not None else end]
        good = lines[els + 1:end] if els is not None else []
        # File-level declarations the snippets use (e.g. `using seed_net = ...;`).
        main_line = next((i for i, l in enumerate(lines) if re.match(r"\s*int\s+main\s*\(", l)), start)
        pre = [l for l in lines[:main_line]
               if l.strip() and not l.strip().startswith(('//', '#include'))]
        return dedent(pre), dedent(bad), dedent(good)


def dedent(lines):
    """Remove the common indentation of the code lines; preprocessor lines stay at column 0."""
    code = [l for l in lines if l.strip() and not l.lstrip().startswith('#')]
    n = min((len(l) - len(l.lstrip(' ')) for l in code), default=0)
    out = [l.strip() if l.lstrip().startswith('#') else l[n:] for l in lines]
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    return '\n'.join(l.rstrip() for l in out)


# Words that are code when they stand alone in a test's comment (tenet's layers and options).
CODE_WORDS = {'conv2d', 'max_pool', 'dense', 'flatten', 'relu', 'tanh', 'sigmoid', 'softmax',
              'dropout', 'dropout_ratio', 'expect', 'same', 'valid', 'predict', 'activations',
              'int', 'float'}


def code_span(s, i):
    """End of a C++ name at s[i], with template arguments and a call: `a::b<c<1>, 2>()`."""
    m = re.compile(r'[A-Za-z_][A-Za-z0-9_]*(?:(?:::|\.)[A-Za-z_][A-Za-z0-9_]*)*').match(s, i)
    if not m:
        return None
    j = m.end()
    if j < len(s) and s[j] == '<':
        depth = 0
        for k in range(j, len(s)):
            if s[k] == '<':
                depth += 1
            elif s[k] == '>':
                depth -= 1
                if depth == 0:
                    j = k + 1
                    break
        else:
            return m.end()
    if s.startswith('()', j):
        j += 2
    return j


def markdown_description(text):
    """A test's comment as a sentence, with the code in it in backticks."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        q = re.compile(r'"([^"\s]+)"').match(text, i)
        if q:
            out.append(f'`{q.group(1)}`')
            i = q.end()
            continue
        if (c.isalpha() or c == '_') and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in '_+')):
            j = code_span(text, i)
            tok = text[i:j]
            if '<' in tok or '::' in tok or tok.endswith('()') or tok in CODE_WORDS:
                out.append(f'`{tok}`')
            else:
                out.append(tok)
            i = j
        else:
            out.append(c)
            i += 1
    s = ''.join(out).strip()
    if s and s[0].islower():
        s = s[0].upper() + s[1:]
    if s and s[-1] not in '.!?':
        s += '.'
    return s


# --- running the compilers -----------------------------------------------------------------------
class Result:
    def __init__(self, cc, test):
        cmd = [cc] + FLAGS + [test.rel]
        env = dict(os.environ, LC_ALL='C')
        p = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        self.rc = p.returncode
        self.text = p.stdout
        self.lines = self.text.splitlines()
        self.errors = sum(1 for l in self.lines if ERROR_LINE.search(l))
        self.matches = re.search(test.regex, self.text) is not None


def version(cc):
    p = subprocess.run([cc, '--version'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.stdout.splitlines()[0].strip() if p.stdout else cc


def major(cc):
    p = subprocess.run([cc, '-dumpversion'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return p.stdout.strip().split('.')[0]


# --- rendering ---------------------------------------------------------------------------------
def plural(n, word):
    return f'{n} {word}' + ('' if n == 1 else 's')


def render_entry(t, g, c, gname, cname):
    out = [f'### {TITLES.get(t.stem) or markdown_description(t.description)}', '']
    if t.description and t.stem in TITLES:
        out += [wrap(markdown_description(t.description)), '']
    out += [f'Test: [`{t.rel}`](../{t.rel})', '']
    code = '\n\n'.join(x for x in (t.preamble, t.bad) if x)
    out += ['```cpp', code, '```', '']
    single = g.errors == 1 and c.errors == 1
    if g.rc == 0:
        out += [f'**Not reported yet.** {gname} accepts this code without a diagnostic, so there is '
                f'no output to show; the test fails until tenet reports it. The message it expects '
                f'matches `{t.regex}`.', '']
    else:
        shown = g.lines
        if not single and len(shown) > MAX_SHOWN_LINES:
            shown = shown[:MAX_SHOWN_LINES] + [
                f'[... {len(g.lines) - MAX_SHOWN_LINES} more lines, cut here: see *Known problem* below ...]']
        out += [f'{gname} prints:', '', '```text', *shown, '```', '']
        out += [f'{gname} prints {plural(len(g.lines), "line")} in all '
                f'({cname}: {plural(len(c.lines), "line")}).', '']
    advice = ADVICE.get(t.stem, '').strip()
    advice = ' '.join(advice.split('\n')) if advice else 'compare with the corrected code:'
    out += [wrap(f'**What to do:** {advice}'), '']
    if t.good:
        out += ['```cpp', t.good, '```', '']
    if not single:
        note = (f'*Known problem:* this mistake currently gives {plural(g.errors, "error")} with '
                f'{gname} and {plural(c.errors, "error")} with {cname}, not one.')
        if t.stem in KNOWN:
            note += ' ' + ' '.join(KNOWN[t.stem].strip().split('\n'))
        else:
            note += ' The first error is the one that matters.'
        out += [wrap(note), '']
    return out


def intro(first, g, gname, cname):
    """The intro's excerpt: the check_layer line, the user's line and the error, from real output."""
    keep = [l for l in g.lines
            if 'In instantiation of' in l or 'required from here' in l or ERROR_LINE.search(l)]
    return INTRO_TOP.format(gname=gname, cname=cname, excerpt='\n'.join(keep),
                            nexcerpt=words(len(keep)), ntotal=words(len(g.lines)))


def wrap(text, width=100):
    """Wrap a paragraph of advice the way the hand-written page was wrapped."""
    lines, cur = [], ''
    for w in text.split(' '):
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f'{cur} {w}' if cur else w
    if cur:
        lines.append(cur)
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--check', action='store_true', help='do not write; exit 1 if the page would change')
    ap.add_argument('--strict', action='store_true', help='exit 1 if a test gives other than one error')
    ap.add_argument('--output', default=DOC, help=f'page to write, relative to the repository root (default {DOC})')
    args = ap.parse_args()

    for cc in (GXX, CLANG):
        if not shutil.which(cc):
            raise SystemExit(f'render-errors-doc: compiler not found: {cc}')
    gname, cname = f'g++ {major(GXX)}', f'clang {major(CLANG)}'

    tests = {p.stem: TestFile(p) for p in sorted((ROOT / CF_DIR).glob('*.cpp'))}
    listed = [s for _, stems in GROUPS for s in stems]
    for s in listed:
        if s not in tests:
            print(f'render-errors-doc: warning: {s} is in GROUPS but {CF_DIR}/{s}.cpp does not exist',
                  file=sys.stderr)
    groups = [(title, [s for s in stems if s in tests]) for title, stems in GROUPS]
    others = [s for s in tests if s not in listed]
    if others:
        groups.append((OTHER_SECTION, others))

    results, problems = {}, []
    for _, stems in groups:
        for s in stems:
            t = tests[s]
            print(f'render-errors-doc: {t.rel}', file=sys.stderr)
            g, c = Result(GXX, t), Result(CLANG, t)  # one after the other
            results[s] = (g, c)
            why = []
            if g.errors != 1:
                why.append(f'{gname}: {plural(g.errors, "error")}')
            if c.errors != 1:
                why.append(f'{cname}: {plural(c.errors, "error")}')
            if g.rc != 0 and not g.matches:
                why.append(f'{gname} output does not match the TENET_EXPECT_ERROR regex')
            if c.rc != 0 and not c.matches:
                why.append(f'{cname} output does not match the TENET_EXPECT_ERROR regex')
            if why:
                problems.append((s, why))

    out = []
    first = groups[0][1][0]
    out.append(intro(first, results[first][0], gname, cname))
    for title, stems in groups:
        out += ['', f'## {title}', '']
        for s in stems:
            g, c = results[s]
            out += render_entry(tests[s], g, c, gname, cname)
    out += ['', RUNTIME, '']
    out.append(OUTRO.format(gxx=GXX, clang=CLANG, flags=' '.join(FLAGS),
                            gversion=f'`{version(GXX)}`', cversion=f'`{version(CLANG)}`'))
    text = re.sub(r'\n{3,}', '\n\n\n', '\n'.join(out)).rstrip('\n') + '\n'

    # The counts, as a table on stderr.
    print(f'\n{"test":36} {gname:>8} {"lines":>6} {cname:>9} {"lines":>6}', file=sys.stderr)
    for _, stems in groups:
        for s in stems:
            g, c = results[s]
            flag = '' if g.errors == 1 and c.errors == 1 else '   <-- not one error'
            print(f'{s:36} {g.errors:>8} {len(g.lines):>6} {c.errors:>9} {len(c.lines):>6}{flag}',
                  file=sys.stderr)
    if problems:
        print('\nrender-errors-doc: warning: these tests do not give exactly one matching error:',
              file=sys.stderr)
        for s, why in problems:
            print(f'  {CF_DIR}/{s}.cpp: ' + '; '.join(why), file=sys.stderr)

    target = ROOT / args.output
    if args.check:
        current = target.read_text(encoding='utf-8') if target.exists() else ''
        if current != text:
            print(f'render-errors-doc: {args.output} is out of date; run python3 scripts/render-errors-doc.py',
                  file=sys.stderr)
            return 1
        print(f'render-errors-doc: {args.output} is up to date', file=sys.stderr)
    else:
        target.write_text(text, encoding='utf-8')
        print(f'render-errors-doc: wrote {args.output}', file=sys.stderr)
    return 1 if (args.strict and problems) else 0


if __name__ == '__main__':
    sys.exit(main())
