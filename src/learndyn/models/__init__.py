"""Networks as equinox modules (frozen pytrees); sizes are static, arrays are leaves."""

from ._linear_rnn import (
    LinearRNN as LinearRNN,
    augmented_system as augmented_system,
    init_linear_rnn as init_linear_rnn,
    two_neuron_init as two_neuron_init,
)
