"""Bad arguments to ConvGRU2D and student3: a ValueError / TypeError naming the argument and the
value, raised when the layer or model is built (before any graph is traced)."""
import pytest

from students import ConvGRU2D, student3

CASES = {
    "ConvGRU2D filters=0": (lambda: ConvGRU2D(filters=0, kernel_size=3), ValueError, ["filters=0", ">= 1"]),
    "ConvGRU2D filters=-4": (lambda: ConvGRU2D(filters=-4, kernel_size=3), ValueError, ["filters=-4"]),
    "ConvGRU2D filters='8'": (lambda: ConvGRU2D(filters="8", kernel_size=3), TypeError, ["filters='8'", "integer"]),
    "ConvGRU2D filters=2.5": (lambda: ConvGRU2D(filters=2.5, kernel_size=3), TypeError, ["filters=2.5"]),
    "ConvGRU2D kernel_size=0": (lambda: ConvGRU2D(filters=4, kernel_size=0), ValueError, ["kernel_size", "0"]),
    "ConvGRU2D padding": (lambda: ConvGRU2D(filters=4, kernel_size=3, padding="full"), ValueError, ["'full'"]),
    "student3 res=0": (lambda: student3(res=0), ValueError, ["res=0", ">= 1"]),
    "student3 sample=0": (lambda: student3(sample=0), ValueError, ["sample=0"]),
    "student3 upsample=-2": (lambda: student3(upsample=-2), ValueError, ["upsample=-2", ">= 0"]),
    "student3 rnn_layer1=0": (lambda: student3(rnn_layer1=0), ValueError, ["rnn_layer1=0"]),
    "student3 num_feature=0": (lambda: student3(num_feature=0), ValueError, ["num_feature=0"]),
    "student3 add_coordinates=3": (lambda: student3(add_coordinates=3), ValueError, ["add_coordinates=3", "0, 1"]),
    "student3 dropout=1.5": (lambda: student3(dropout=1.5), ValueError, ["dropout=1.5", "[0, 1)"]),
    "student3 rnn_dropout='x'": (lambda: student3(rnn_dropout="x"), TypeError, ["rnn_dropout='x'"]),
    "student3 conv_rnn_type": (lambda: student3(conv_rnn_type="rnn"), ValueError, ["'rnn'", "gru, lstm"]),
    "student3 time_pool": (lambda: student3(time_pool="sum_pool"), ValueError, ["'sum_pool'"]),
    "student3 block_size=0": (lambda: student3(block_size=0), ValueError, ["block_size=0"]),
    "student3 channels=0": (lambda: student3(channels=0), ValueError, ["channels=0"]),
    "student3 res='8'": (lambda: student3(res="8"), TypeError, ["res='8'"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_student_layers_refuse_bad_arguments(refused, case, tmp_path, monkeypatch):
    call, error, needles = CASES[case]
    monkeypatch.chdir(tmp_path)  # the output location: nothing may appear
    refused(call, error, needles, tmp_path)
