// TENET_EXPECT_ERROR: ^([^:]|[^r]:)*error: ([^:]|[^r]:)*tenet: this layer needs a flat \(rank-1\) input([^:]|[^r]:)*$
// two mistakes (dense on an image, later conv2d on a vector): only the first is reported, the regex admits one "error:".
#include <tenet/tenet.hpp>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::network<tenet::input<28, 28, 1>, tenet::dense<64>, tenet::relu, tenet::conv2d<8, tenet::kernel<3, 3>>, tenet::relu, tenet::flatten,
                 tenet::dense<10>>
      net;
#else
  tenet::network<tenet::input<28, 28, 1>, tenet::conv2d<8, tenet::kernel<3, 3>>, tenet::relu, tenet::flatten, tenet::dense<64>, tenet::relu,
                 tenet::dense<10>>
      net;
#endif
  (void)net;
}
