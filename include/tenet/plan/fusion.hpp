#pragma once
/// The vocabulary layers use to declare what they can fuse with. A layer says what it *is*
/// (`fusion_role`), and a layer that can run its neighbours inside its own pass says which
/// ones (`absorbs_forward`, `absorbs_backward_of`); the planner (plan/inference.hpp,
/// plan/training.hpp) asks those questions and decides, naming no layer type itself.

#include <cstddef>

namespace tenet {

/// What a layer is, as far as a neighbour that could take it into its own pass cares.
enum class fusion_role {
  none,  // nothing another layer fuses
  relu,  // max(x, 0), element by element
  max_pool,  // the largest value of each window
  softmax,  // a loss can take its gradient from the logits (FusesWithSoftmax)
};

namespace plan {

/// Which pass a plan is for: inference may fuse what training cannot (training keeps every
/// output the backward pass reads).
enum class pass { inference, training };

/// Most layers one layer can absorb after it in a forward pass.
inline constexpr std::size_t max_absorbed = 2;

/// The role a bound layer declares with `static constexpr fusion_role role = ...;`, or none.
template <class B>
inline constexpr fusion_role role_of = fusion_role::none;
template <class B>
  requires requires { B::role; }
inline constexpr fusion_role role_of<B> = B::role;

/// Bound layer B runs the layers Next... right after it in its own forward pass
/// (`B::forward_absorbing<Arch, Next...>`), in pass P.
template <class B, pass P, class Arch, class... Next>
inline constexpr bool absorbs_forward = requires {
  requires B::template absorbs_forward<P, Arch, Next...>();
};

/// Bound layer B does the backward pass of the layer Prev right before it in its own
/// (`B::backward_absorbing<Arch, Prev>`): its `in` is Prev's output, its `grad_in` the
/// gradient at Prev's input.
template <class B, class Arch, class Prev>
inline constexpr bool absorbs_backward_of = requires {
  requires B::template absorbs_backward_of<Arch, Prev>();
};

/// A bound layer whose inference output is its input (flatten, dropout, expect): it does not
/// run in inference, and the next layer reads its input.
template <class B>
inline constexpr bool identity_in_inference = requires {
  requires B::identity_in_inference;
};

/// The same while training too (flatten, expect; not dropout): no output of its own, no
/// backward pass, the gradient passes through unchanged.
template <class B>
inline constexpr bool identity_in_training = requires {
  requires B::identity_in_training;
};

}  // namespace plan
}  // namespace tenet
