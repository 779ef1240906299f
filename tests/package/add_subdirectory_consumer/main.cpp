// Smallest real use of tenet, built with tenet added by add_subdirectory.
#include <tenet/tenet.hpp>

using net_t = tenet::network<tenet::input<4, 4, 1>, tenet::flatten, tenet::dense<2>>;
static_assert(net_t::param_count == 34);

int main() {
  net_t net;
  tenet::tensor<float, net_t::input_shape> x{};
  auto y = net.predict(x);
  return y.size() == 2 ? 0 : 1;
}
