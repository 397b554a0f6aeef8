"""Translate a SAM template to plain CloudFormation offline, for cfn-lint to check the expansion.

cfn-lint (>= 1.54) no longer expands AWS::Serverless::* resources, so mistakes inside a serverless
function (its events, runtime, references) pass it. This runs aws-sam-translator locally instead of
the AWS::Serverless transform: no credentials and no network. Usage:

    translate.py TEMPLATE.yaml OUTPUT.json

Exit status: 0 translated, 1 the translator rejected the template (its messages on stderr), 2 usage.
"""

import json
import os
import sys

# The translator builds ARNs for the session's region; any region will do for a lint.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import yaml  # noqa: E402  (PyYAML, a dependency of cfn-lint)
from samtranslator.model.exceptions import InvalidDocumentException  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402

# Local paths that `sam build`/`sam package` would upload; the translator wants s3:// URIs.
DUMMY_S3_URI = "s3://standing-lint-placeholder/artifact.zip"
LOCAL_URI_PROPERTIES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::HttpApi": "DefinitionUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
}


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that turns CloudFormation short-form tags into their long form."""


def _construct_tag(loader, tag_suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "Condition":
        return {"Condition": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {"Fn::" + tag_suffix: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


class _NoManagedPolicies:
    """Offline stand-in for the IAM managed-policy lookup (the template names no managed policy)."""

    def load(self):
        return {}


def _is_local(uri):
    return isinstance(uri, str) and not uri.startswith("s3://")


def replace_local_uris(template):
    """Point local artifact paths at a placeholder S3 object, as `sam package` would."""
    function_globals = template.get("Globals", {}).get("Function", {})
    if _is_local(function_globals.get("CodeUri")):
        function_globals["CodeUri"] = DUMMY_S3_URI
    for resource in template.get("Resources", {}).values():
        prop = LOCAL_URI_PROPERTIES.get(resource.get("Type"))
        props = resource.get("Properties") or {}
        if prop and _is_local(props.get(prop)):
            props[prop] = DUMMY_S3_URI


def main(argv):
    if len(argv) != 3:
        print(f"usage: {argv[0]} TEMPLATE.yaml OUTPUT.json", file=sys.stderr)
        return 2
    source, output = argv[1], argv[2]
    with open(source, encoding="utf-8") as f:
        template = yaml.load(f, Loader=_CfnLoader)  # noqa: S506 (a SafeLoader subclass)
    replace_local_uris(template)
    try:
        translated = transform(template, {}, _NoManagedPolicies())
    except InvalidDocumentException as err:
        for cause in err.causes:
            print(f"{source}: SAM translation: {cause.message}", file=sys.stderr)
        return 1
    with open(output, "w", encoding="utf-8") as f:
        json.dump(translated, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
