"""Triton Python-backend model: runs this version's model.onnx with ONNX Runtime on the CPU.

Generic: the input and output names come from config.pbtxt, and a batch gathered by Triton's
dynamic batcher is run as one ONNX Runtime call and split back per request. The same file
serves every model in this repository; GPU deployments use the onnxruntime backend instead
(models/gpu/).
"""

import json
import os
from typing import Any

import numpy as np
import onnxruntime as ort
import triton_python_backend_utils as pb_utils  # provided by the Python backend stub


class TritonPythonModel:
    def initialize(self, args: dict[str, Any]) -> None:
        config = json.loads(args["model_config"])
        self.inputs = [entry["name"] for entry in config["input"]]
        self.outputs = [entry["name"] for entry in config["output"]]
        options = ort.SessionOptions()
        threads = int(os.environ.get("RADCDS_ORT_THREADS", "0"))
        options.intra_op_num_threads = threads
        path = os.path.join(args["model_repository"], args["model_version"], "model.onnx")
        self.session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])

    def execute(self, requests: list[Any]) -> list[Any]:
        batches = {name: [] for name in self.inputs}
        sizes = []
        for request in requests:
            for name in self.inputs:
                batches[name].append(pb_utils.get_input_tensor_by_name(request, name).as_numpy())
            sizes.append(batches[self.inputs[0]][-1].shape[0])
        feed = {name: np.concatenate(parts) for name, parts in batches.items()}
        results = self.session.run(self.outputs, feed)
        responses = []
        start = 0
        for size in sizes:
            tensors = [
                pb_utils.Tensor(name, np.ascontiguousarray(result[start : start + size]))
                for name, result in zip(self.outputs, results, strict=True)
            ]
            responses.append(pb_utils.InferenceResponse(output_tensors=tensors))
            start += size
        return responses
