# @summary A duration in seconds as germqtt reads it: a whole or decimal number, not negative.
type Germqtt::Seconds = Variant[Integer[0], Float[0.0]]
