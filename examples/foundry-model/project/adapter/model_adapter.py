"""Model adapter of the Foundry container-backed model "sentiment-model" (written by byoi 0.3.0).

Copy this file into a model adapter library in Foundry (Code Repositories, "Model adapter
library" template). In the model, create a model version from the image sentiment-model:0.3.0,
listening on port 8501, and choose this adapter. Foundry starts the container and
calls init_container() with its address; predict() sends the input table to the
container's /predict endpoint and returns the table it answers.
"""

import json
import time
import urllib.error
import urllib.request

import palantir_models as pm
import pandas as pd

INPUT_COLUMNS = [("text", str)]
OUTPUT_COLUMNS = [("text", str), ("label", str), ("score", float)]
# Seconds to wait for the server to come up, and for one prediction.
START_TIMEOUT = 300
PREDICT_TIMEOUT = 600


class ModelAdapter(pm.ContainerModelAdapter):
    """
    :display-name: sentiment-model
    :description: Sends the input table to the sentiment-model container's /predict endpoint.
    """

    def __init__(self, base_url, shared_volume_path=None):
        self.base_url = base_url
        self.shared_volume_path = shared_volume_path
        self._up = False

    @classmethod
    def init_container(cls, container_context):
        # services maps each container of the model version to its addresses, e.g.
        # {"sentiment-model": ["localhost:8501"]}; this model has one container.
        host_and_port = next(iter(container_context.services.values()))[0]
        return cls(f"http://{host_and_port}", container_context.shared_empty_dir_mount_path)

    @classmethod
    def api(cls):
        inputs = {"input_df": pm.Pandas(columns=INPUT_COLUMNS)}
        outputs = {"output_df": pm.Pandas(columns=OUTPUT_COLUMNS)}
        return inputs, outputs

    def predict(self, input_df):
        self._wait_until_up()
        rows = input_df[[name for name, _ in INPUT_COLUMNS]].to_dict(orient="records")
        reply = self._call("POST", "/predict", {"rows": rows}, PREDICT_TIMEOUT)
        return pd.DataFrame(reply["rows"], columns=[name for name, _ in OUTPUT_COLUMNS])

    def _wait_until_up(self):
        # The container may still be loading its model when the first request comes.
        deadline = time.monotonic() + START_TIMEOUT
        while not self._up:
            try:
                self._up = self._call("GET", "/health", None, 5).get("status") == "ok"
            except OSError:
                pass
            if not self._up:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the model server at {self.base_url} did not come up in {START_TIMEOUT}s")
                time.sleep(1)

    def _call(self, method, path, body, timeout):
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as err:
            detail = err.read().decode("utf-8", errors="replace")
            raise RuntimeError(f"{method} {path} answered {err.code}: {detail}") from err
