#!/bin/sh
exec sagemaker-code-editor --host=0.0.0.0 --port=8888 --without-connection-token --base-path=/codeeditor/default/
