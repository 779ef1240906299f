#pragma once
/// Reference implementations of every layer tenet ships, for tests.
///
/// Written from the definitions (Keras / TensorFlow semantics), not from tenet's kernels:
/// run-time sizes, std::vector<float>, double accumulators, one plain loop nest per output
/// coordinate and explicit bounds checks for the padding. Slow and obviously correct is the
/// point; nothing here is vectorized or clever.
///
/// Layouts (channels last, Keras order):
///   image    [height][width][channels]
///   conv2d   weights [kernel_height][kernel_width][channels][filters], bias [filters]
///   dense    weights [inputs][units], bias [units]

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace tenet::reference {

enum class padding { same, valid };

/// The extent of one axis after a sliding window, and the zeros added before and after it.
struct axis_geometry {
  std::size_t out;
  std::size_t pad_before;
  std::size_t pad_after;
};

/// TensorFlow's rule, written out:
///   valid: out = floor((in - k) / s) + 1 (no padding; 0 outputs when k > in)
///   same:  out = ceil(in / s); pad_total = max((out - 1) * s + k - in, 0);
///          pad_before = pad_total / 2, the odd one goes after.
constexpr axis_geometry axis(std::size_t in, std::size_t k, std::size_t s, padding p) {
  if (s == 0 || k == 0) throw std::invalid_argument("reference::axis: zero window or stride");
  if (p == padding::valid) {
    if (k > in) return {0, 0, 0};
    return {(in - k) / s + 1, 0, 0};
  }
  const std::size_t out = in / s + (in % s != 0 ? 1 : 0);
  const long long needed = static_cast<long long>((out - 1) * s + k) - static_cast<long long>(in);
  const std::size_t total = needed > 0 ? static_cast<std::size_t>(needed) : 0;
  return {out, total / 2, total - total / 2};
}

/// Sizes of a convolution.
struct conv2d_params {
  std::size_t height, width, channels;  // input
  std::size_t filters;
  std::size_t kernel_height, kernel_width;
  std::size_t stride_height = 1, stride_width = 1;
  padding pad = padding::valid;

  constexpr axis_geometry rows() const { return axis(height, kernel_height, stride_height, pad); }
  constexpr axis_geometry cols() const { return axis(width, kernel_width, stride_width, pad); }
  constexpr std::size_t out_height() const { return rows().out; }
  constexpr std::size_t out_width() const { return cols().out; }
  constexpr std::size_t input_size() const { return height * width * channels; }
  constexpr std::size_t weight_count() const { return kernel_height * kernel_width * channels * filters; }
  constexpr std::size_t output_size() const { return out_height() * out_width() * filters; }
  /// Multiply-adds that make up one output value (bias excluded).
  constexpr std::size_t taps() const { return kernel_height * kernel_width * channels; }
};

namespace detail {
inline void require_size(const char* what, std::size_t got, std::size_t want) {
  if (got != want)
    throw std::invalid_argument(std::string("reference: ") + what + " has " + std::to_string(got) + " values, expected " +
                                std::to_string(want));
}
}  // namespace detail

/// out[oh][ow][f] = bias[f] + sum over (kh, kw, c) of
///                  in[oh*SH + kh - pad_top][ow*SW + kw - pad_left][c] * w[kh][kw][c][f],
/// where taps falling into the padding count as zero.
inline std::vector<float> conv2d(const conv2d_params& p, const std::vector<float>& in, const std::vector<float>& weights,
                                 const std::vector<float>& bias) {
  detail::require_size("conv2d input", in.size(), p.input_size());
  detail::require_size("conv2d weights", weights.size(), p.weight_count());
  detail::require_size("conv2d bias", bias.size(), p.filters);
  const axis_geometry rows = p.rows(), cols = p.cols();
  std::vector<float> out(rows.out * cols.out * p.filters);
  for (std::size_t oh = 0; oh < rows.out; ++oh) {
    for (std::size_t ow = 0; ow < cols.out; ++ow) {
      for (std::size_t f = 0; f < p.filters; ++f) {
        double sum = bias[f];
        for (std::size_t kh = 0; kh < p.kernel_height; ++kh) {
          // Signed input coordinates: negative or past the end means "in the padding".
          const long long ih = static_cast<long long>(oh * p.stride_height + kh) - static_cast<long long>(rows.pad_before);
          if (ih < 0 || ih >= static_cast<long long>(p.height)) continue;
          for (std::size_t kw = 0; kw < p.kernel_width; ++kw) {
            const long long iw = static_cast<long long>(ow * p.stride_width + kw) - static_cast<long long>(cols.pad_before);
            if (iw < 0 || iw >= static_cast<long long>(p.width)) continue;
            for (std::size_t c = 0; c < p.channels; ++c) {
              const double x = in[(static_cast<std::size_t>(ih) * p.width + static_cast<std::size_t>(iw)) * p.channels + c];
              const double w = weights[((kh * p.kernel_width + kw) * p.channels + c) * p.filters + f];
              sum += x * w;
            }
          }
        }
        out[(oh * cols.out + ow) * p.filters + f] = static_cast<float>(sum);
      }
    }
  }
  return out;
}

/// Gradients of conv2d for one example, from the output gradient g [OH][OW][F]:
///   grad_w[kh][kw][c][f] = sum over output pixels of in[pixel's tap (kh, kw)][c] * g[pixel][f]
///   grad_b[f]            = sum over output pixels of g[pixel][f]
///   grad_in[ih][iw][c]   = sum over (pixel, kh, kw) whose tap lands on (ih, iw) of w[kh][kw][c][f] * g[pixel][f]
/// (taps in the padding contribute nothing), accumulated in double.
struct conv2d_gradients {
  std::vector<float> in, weights, bias;
};
inline conv2d_gradients conv2d_backward(const conv2d_params& p, const std::vector<float>& in, const std::vector<float>& weights,
                                        const std::vector<float>& grad_out) {
  detail::require_size("conv2d_backward input", in.size(), p.input_size());
  detail::require_size("conv2d_backward weights", weights.size(), p.weight_count());
  detail::require_size("conv2d_backward output gradient", grad_out.size(), p.output_size());
  const axis_geometry rows = p.rows(), cols = p.cols();
  std::vector<double> gi(p.input_size(), 0.0), gw(p.weight_count(), 0.0), gb(p.filters, 0.0);
  for (std::size_t oh = 0; oh < rows.out; ++oh)
    for (std::size_t ow = 0; ow < cols.out; ++ow)
      for (std::size_t f = 0; f < p.filters; ++f) {
        const double g = grad_out[(oh * cols.out + ow) * p.filters + f];
        gb[f] += g;
        for (std::size_t kh = 0; kh < p.kernel_height; ++kh) {
          const long long ih = static_cast<long long>(oh * p.stride_height + kh) - static_cast<long long>(rows.pad_before);
          if (ih < 0 || ih >= static_cast<long long>(p.height)) continue;
          for (std::size_t kw = 0; kw < p.kernel_width; ++kw) {
            const long long iw = static_cast<long long>(ow * p.stride_width + kw) - static_cast<long long>(cols.pad_before);
            if (iw < 0 || iw >= static_cast<long long>(p.width)) continue;
            for (std::size_t c = 0; c < p.channels; ++c) {
              const std::size_t x_at = (static_cast<std::size_t>(ih) * p.width + static_cast<std::size_t>(iw)) * p.channels + c;
              const std::size_t w_at = ((kh * p.kernel_width + kw) * p.channels + c) * p.filters + f;
              gw[w_at] += static_cast<double>(in[x_at]) * g;
              gi[x_at] += static_cast<double>(weights[w_at]) * g;
            }
          }
        }
      }
  auto to_float = [](const std::vector<double>& v) { return std::vector<float>(v.begin(), v.end()); };
  return {to_float(gi), to_float(gw), to_float(gb)};
}

/// dense's gradients for one example: grad_w[i][u] = x[i] g[u], grad_b = g, grad_in[i] = sum_u W[i][u] g[u].
struct dense_gradients {
  std::vector<float> in, weights, bias;
};
inline dense_gradients dense_backward(const std::vector<float>& x, const std::vector<float>& weights, const std::vector<float>& grad_out) {
  const std::size_t inputs = x.size(), units = grad_out.size();
  detail::require_size("dense_backward weights", weights.size(), inputs * units);
  dense_gradients r{std::vector<float>(inputs), std::vector<float>(inputs * units), grad_out};
  for (std::size_t i = 0; i < inputs; ++i) {
    double sum = 0.0;
    for (std::size_t u = 0; u < units; ++u) {
      r.weights[i * units + u] = static_cast<float>(static_cast<double>(x[i]) * grad_out[u]);
      sum += static_cast<double>(weights[i * units + u]) * grad_out[u];
    }
    r.in[i] = static_cast<float>(sum);
  }
  return r;
}

/// Sizes of a max pooling (always `valid`: windows lie entirely inside the image).
struct pool_params {
  std::size_t height, width, channels;
  std::size_t window;  // square P x P
  std::size_t stride_height, stride_width;

  constexpr std::size_t out_height() const { return axis(height, window, stride_height, padding::valid).out; }
  constexpr std::size_t out_width() const { return axis(width, window, stride_width, padding::valid).out; }
  constexpr std::size_t input_size() const { return height * width * channels; }
  constexpr std::size_t output_size() const { return out_height() * out_width() * channels; }
};

/// out[oh][ow][c] = max over (ph, pw) in [0, P)^2 of in[oh*SH + ph][ow*SW + pw][c].
inline std::vector<float> max_pool(const pool_params& p, const std::vector<float>& in) {
  detail::require_size("max_pool input", in.size(), p.input_size());
  const std::size_t oh_count = p.out_height(), ow_count = p.out_width();
  std::vector<float> out(oh_count * ow_count * p.channels);
  for (std::size_t oh = 0; oh < oh_count; ++oh)
    for (std::size_t ow = 0; ow < ow_count; ++ow)
      for (std::size_t c = 0; c < p.channels; ++c) {
        bool first = true;
        float best = 0.0f;
        for (std::size_t ph = 0; ph < p.window; ++ph)
          for (std::size_t pw = 0; pw < p.window; ++pw) {
            const std::size_t ih = oh * p.stride_height + ph, iw = ow * p.stride_width + pw;
            if (ih >= p.height || iw >= p.width) throw std::logic_error("reference::max_pool: window outside the image");
            const float v = in[(ih * p.width + iw) * p.channels + c];
            if (first || v > best) best = v;
            first = false;
          }
        out[(oh * ow_count + ow) * p.channels + c] = best;
      }
  return out;
}

/// Gradient of max_pool: each output's gradient is added to the first input of its window that
/// equals the output (the window's first input when none does), so overlapping windows add up.
inline std::vector<float> max_pool_backward(const pool_params& p, const std::vector<float>& in, const std::vector<float>& out,
                                            const std::vector<float>& grad_out) {
  detail::require_size("max_pool_backward input", in.size(), p.input_size());
  detail::require_size("max_pool_backward output", out.size(), p.output_size());
  detail::require_size("max_pool_backward output gradient", grad_out.size(), p.output_size());
  const std::size_t oh_count = p.out_height(), ow_count = p.out_width();
  std::vector<float> grad_in(p.input_size(), 0.0f);
  for (std::size_t oh = 0; oh < oh_count; ++oh)
    for (std::size_t ow = 0; ow < ow_count; ++ow)
      for (std::size_t c = 0; c < p.channels; ++c) {
        const std::size_t o = (oh * ow_count + ow) * p.channels + c;
        std::size_t target = ((oh * p.stride_height) * p.width + ow * p.stride_width) * p.channels + c;
        bool found = false;
        for (std::size_t ph = 0; ph < p.window && !found; ++ph)
          for (std::size_t pw = 0; pw < p.window && !found; ++pw) {
            const std::size_t at = ((oh * p.stride_height + ph) * p.width + ow * p.stride_width + pw) * p.channels + c;
            if (in[at] == out[o]) {
              target = at;
              found = true;
            }
          }
        grad_in[target] += grad_out[o];
      }
  return grad_in;
}

/// y[u] = b[u] + sum over i of x[i] * W[i][u].
inline std::vector<float> dense(const std::vector<float>& x, const std::vector<float>& weights, const std::vector<float>& bias) {
  const std::size_t inputs = x.size(), units = bias.size();
  detail::require_size("dense weights", weights.size(), inputs * units);
  std::vector<float> y(units);
  for (std::size_t u = 0; u < units; ++u) {
    double sum = bias[u];
    for (std::size_t i = 0; i < inputs; ++i) sum += static_cast<double>(x[i]) * static_cast<double>(weights[i * units + u]);
    y[u] = static_cast<float>(sum);
  }
  return y;
}

/// max(x, 0), value by value.
inline std::vector<float> relu(const std::vector<float>& x) {
  std::vector<float> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
  return y;
}

/// tanh(x), value by value (computed in double).
inline std::vector<float> tanh(const std::vector<float>& x) {
  std::vector<float> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = static_cast<float>(std::tanh(static_cast<double>(x[i])));
  return y;
}

/// 1 / (1 + exp(-x)), value by value (computed in double).
inline std::vector<float> sigmoid(const std::vector<float>& x) {
  std::vector<float> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(x[i]))));
  return y;
}

/// exp(x_i) / sum_j exp(x_j), in double; the maximum is subtracted first, which changes
/// nothing mathematically and keeps exp finite.
inline std::vector<float> softmax(const std::vector<float>& x) {
  std::vector<float> y(x.size());
  if (x.empty()) return y;
  const double largest = *std::max_element(x.begin(), x.end());
  double sum = 0.0;
  for (float v : x) sum += std::exp(static_cast<double>(v) - largest);
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = static_cast<float>(std::exp(static_cast<double>(x[i]) - largest) / sum);
  return y;
}

/// [H][W][C] read in row-major order into a vector of H*W*C: out[(h*W + w)*C + c] = in(h, w, c).
inline std::vector<float> flatten(const std::vector<float>& in, std::size_t height, std::size_t width, std::size_t channels) {
  detail::require_size("flatten input", in.size(), height * width * channels);
  std::vector<float> out(in.size());
  std::size_t next = 0;
  for (std::size_t h = 0; h < height; ++h)
    for (std::size_t w = 0; w < width; ++w)
      for (std::size_t c = 0; c < channels; ++c) out[next++] = in[(h * width + w) * channels + c];
  return out;
}

}  // namespace tenet::reference
