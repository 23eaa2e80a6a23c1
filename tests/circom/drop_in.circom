pragma circom 2.0.0;

// A circom circuit for `zkbio groth16 prove` (cli/tests/groth16_prove.rs), compiled in the test
// by circom2: public outputs and a public input (circom orders them outputs first), constants
// of both signs in A, B and C, a bit decomposition, and a witness hint (an inverse computed
// outside the constraints, as circom's IsZero does).

template Bits(n) {
    signal input in;
    signal output out[n];
    var sum = 0;
    var weight = 1;
    for (var i = 0; i < n; i++) {
        out[i] <-- (in >> i) & 1;
        out[i] * (out[i] - 1) === 0;
        sum += out[i] * weight;
        weight *= 2;
    }
    sum === in;
}

template IsZero() {
    signal input in;
    signal output out;
    signal inv;
    inv <-- in != 0 ? 1 / in : 0;
    out <== -in * inv + 1;
    in * out === 0;
}

template DropIn(n) {
    signal input x;
    signal input y;
    signal input z[n];
    signal output product;
    signal output weighted;
    signal output y_is_x;

    signal acc[n + 1];
    acc[0] <== x * y;
    for (var i = 0; i < n; i++) {
        acc[i + 1] <== acc[i] * (z[i] - 3 * x + 7);
    }
    product <== acc[n];

    component bits = Bits(16);
    bits.in <== y;
    var w = 0;
    for (var i = 0; i < 16; i++) {
        w += (i + 1) * bits.out[i];
    }
    weighted <== w * (x - 5);

    component eq = IsZero();
    eq.in <== y - x;
    y_is_x <== eq.out;
}

component main {public [x]} = DropIn(24);
