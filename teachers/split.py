"""Splitting a functional Keras model at a named layer into a bottom and a top model.

Both parts reuse the original layer objects, so they share its weights (no copies): training
either part trains the original model too. The cut must be clean: no layer after the cut may
read a tensor computed before it other than the cut layer's output.
"""
import keras


def split_model(model, layer):
    """(bottom, top) of functional ``model`` split after the layer named ``layer``.

    bottom: the model's inputs -> ``layer``'s output. top: a new Input of that shape (named
    "input_top") -> the model's outputs, through the same layers. Raises ValueError for a layer
    that is missing, has several outputs, or does not cut the graph in two.
    """
    cut = model.get_layer(layer).output
    if isinstance(cut, (list, tuple)):
        raise ValueError(f"layer {layer!r} has several outputs; split after a single-output layer")
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    bottom = keras.Model(inputs, cut, name=f"{model.name}_bottom")

    top_input = keras.Input(shape=cut.shape[1:], dtype=cut.dtype, name="input_top")
    values = {id(cut): top_input}  # symbolic tensors of `model` -> tensors of the top model
    nodes_by_depth = model._nodes_by_depth
    for depth in sorted(nodes_by_depth, reverse=True):  # deepest = closest to the inputs
        for node in nodes_by_depth[depth]:
            if node.is_input or node.operation is None:
                continue
            ready = [id(t) in values for t in node.input_tensors]
            if not any(ready):
                continue  # part of the bottom
            if not all(ready):
                raise ValueError(f"cannot split {model.name!r} after {layer!r}: layer "
                                 f"{node.operation.name!r} also reads a tensor from before the cut")
            args, kwargs = node.arguments.fill_in(values)
            outputs = node.operation(*args, **kwargs)
            for old, new in zip(node.outputs, keras.tree.flatten(outputs)):
                values[id(old)] = new

    missing = [t for t in model.outputs if id(t) not in values]
    if missing:
        raise ValueError(f"cannot split {model.name!r} after {layer!r}: some outputs do not depend on it")
    outputs = [values[id(t)] for t in model.outputs]
    top = keras.Model(top_input, outputs[0] if len(outputs) == 1 else outputs, name=f"{model.name}_top")
    return bottom, top
