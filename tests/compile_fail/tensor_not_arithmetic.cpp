// TENET_EXPECT_ERROR: tenet::tensor<T, Shape>: T must be an arithmetic type
// a tensor of std::complex<float>: tensors hold plain numbers such as float.
#include <tenet/tenet.hpp>

#include <complex>
int main() {
#ifdef TENET_EXPECT_FAIL
  tenet::tensor<std::complex<float>, tenet::shape<4>> x{};
#else
  tenet::tensor<float, tenet::shape<4>> x{};
#endif
  (void)x;
}
