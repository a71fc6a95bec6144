"""template.yaml: the properties the product relies on, which cfn-lint does not check."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


class TaggedLoader(yaml.SafeLoader):
    pass


TaggedLoader.add_multi_constructor("!", lambda loader, tag, node: {tag: _plain(loader, node)})


def _plain(loader, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


@pytest.fixture(scope="module")
def template():
    return yaml.load((ROOT / "template.yaml").read_text(), Loader=TaggedLoader)


def resources(template, kind):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_function_runtime_architecture_and_timeout(template):
    glob = template["Globals"]["Function"]
    assert glob["Runtime"] == "python3.12" and glob["Architectures"] == ["arm64"]
    assert glob["Timeout"] <= 28  # API Gateway gives up at 29 s
    memory = template["Parameters"]["MemorySize"]
    assert glob["MemorySize"] == {"Ref": "MemorySize"} and memory["Default"] == 1769
    assert 128 <= memory["MinValue"] and memory["MaxValue"] <= 10240
    assert glob["Tracing"] == {"If": ["Traced", "Active", "PassThrough"]}  # X-Ray is opt-in (cold start)
    assert glob["Environment"]["Variables"]["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    fn = template["Resources"]["ImageFunction"]["Properties"]
    assert fn["Environment"]["Variables"]["TRACING"] == {"Ref": "Tracing"}
    assert fn["Handler"] == "app.handler" and fn["CodeUri"] == "function/"
    assert fn["Environment"]["Variables"]["SOURCE_BUCKET"] == {"Ref": "SourceBucketName"}


def test_layer_matches_the_function(template):
    layer = template["Resources"]["ImagingLayer"]
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    makefile = (ROOT / "layers/imaging/Makefile").read_text()
    assert "manylinux_2_28_aarch64" in makefile and "manylinux2014_aarch64" in makefile
    assert "--python-version 3.12" in makefile and "--only-binary=:all:" in makefile
    assert "--no-deps -r requirements-no-deps.txt" in makefile
    for built in (makefile, (ROOT / "function/Makefile").read_text()):  # bytecode for the read-only runtime
        assert "compileall" in built and "--invalidation-mode unchecked-hash" in built


def test_every_parameter_is_described_and_choices_are_closed(template):
    for name, parameter in template["Parameters"].items():
        assert parameter.get("Description"), name
    for name in ("AutoFormat", "OversizeRedirects", "PriceClass"):
        assert template["Parameters"][name]["AllowedValues"], name


def test_auto_format_normalises_accept_at_the_edge(template):
    function = template["Resources"]["NormaliseAccept"]
    assert function["Condition"] == "KeyOnAccept" and "image/avif" in function["Properties"]["FunctionCode"]
    behaviour = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behaviour["FunctionAssociations"]["If"][0] == "KeyOnAccept"
    env = template["Resources"]["ImageFunction"]["Properties"]["Environment"]["Variables"]
    assert env["AUTO_FORMAT"] == {"Ref": "AutoFormat"}


def test_fonts_ship_in_their_own_layer(template):
    from ossimg.config import Settings
    from ossimg.core.actions.watermark import FONTS

    layer = template["Resources"]["FontsLayer"]
    assert layer["Properties"]["ContentUri"] == "layers/fonts/" and "Metadata" not in layer  # copied as-is
    assert {"Ref": "FontsLayer"} in template["Resources"]["ImageFunction"]["Properties"]["Layers"]
    assert "/opt/fonts" in Settings().font_dirs  # where Lambda mounts layers/fonts/fonts
    for filename in set(FONTS.values()):
        assert (ROOT / "layers/fonts/fonts" / filename).is_file()


def test_layer_requirements_are_exact_pins():
    text = (ROOT / "layers/imaging/requirements.txt").read_text()
    pins = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert pins and all("==" in line for line in pins)
    assert not (ROOT / "function/requirements.txt").exists()  # SAM would bundle the deps twice


def test_rest_api_is_regional_binary_with_get_and_head(template):
    api = template["Resources"]["ImageApi"]["Properties"]
    assert api["EndpointConfiguration"] == {"Type": "REGIONAL"}
    assert api["BinaryMediaTypes"] == ["*/*"]
    assert "Cors" not in api  # */* breaks API Gateway's own CORS preflight
    events = template["Resources"]["ImageFunction"]["Properties"]["Events"].values()
    routes = {(e["Properties"]["Path"], e["Properties"]["Method"]) for e in events if e["Type"] == "Api"}
    assert routes == {("/{proxy+}", "GET"), ("/{proxy+}", "HEAD")}


def test_access_is_read_only_on_the_source_bucket_and_the_signing_parameter(template):
    policies = template["Resources"]["ImageFunction"]["Properties"]["Policies"]
    assert policies[0] == {"S3ReadPolicy": {"BucketName": {"Ref": "SourceBucketName"}}}
    condition, statement, _ = policies[1]["If"]
    assert condition == "SignedUrls" and statement["Statement"][0]["Action"] == "ssm:GetParameter"
    condition, crud, _ = policies[2]["If"]
    assert condition == "HasOutputBucket" and crud == {"S3CrudPolicy": {"BucketName": {"Ref": "OutputBucket"}}}
    assert len(policies) == 3


def test_the_output_bucket_is_private_and_expires(template):
    bucket = template["Resources"]["OutputBucket"]
    assert bucket["Condition"] == "HasOutputBucket"
    assert all(bucket["Properties"]["PublicAccessBlockConfiguration"].values())
    (rule,) = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] == {"Ref": "OutputRetentionDays"}


def test_cdn_cache_key_is_the_process_string_only(template):
    (policy,) = resources(template, "AWS::CloudFront::CachePolicy").values()
    params = policy["Properties"]["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"]
    assert params["QueryStringsConfig"] == {
        "QueryStringBehavior": "whitelist",  # signature parameters join the key only when signing is on
        "QueryStrings": {"If": ["SignedUrls", ["x-oss-process", "x-expires", "x-signature"], ["x-oss-process"]]},
    }
    assert params["CookiesConfig"] == {"CookieBehavior": "none"}
    assert params["HeadersConfig"] == {  # Accept only with auto-format, normalised by the CloudFront Function
        "If": ["KeyOnAccept", {"HeaderBehavior": "whitelist", "Headers": ["Accept"]}, {"HeaderBehavior": "none"}]
    }
    assert not params["EnableAcceptEncodingGzip"] and not params["EnableAcceptEncodingBrotli"]
    (dist,) = resources(template, "AWS::CloudFront::Distribution").values()
    behaviour = dist["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behaviour["AllowedMethods"] == ["GET", "HEAD"] and behaviour["ViewerProtocolPolicy"] == "redirect-to-https"


def test_cfn_lint_passes():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--non-zero-exit-code", "error", str(ROOT / "template.yaml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_layer_check_reads_elf_machines_and_pins():
    import PIL

    from devtools.layer_check import elf_machine, pins

    local = next(Path(PIL.__file__).parent.glob("_imaging*.so"))
    assert elf_machine(local) in (0x3E, 0xB7)  # this machine's own build: x86-64 or aarch64
    assert elf_machine(ROOT / "README.md") is None
    assert pins(ROOT / "layers/imaging/requirements.txt")["pillow"] == "13.0.0"


def test_the_api_answers_only_cloudfront_unless_direct_access_is_allowed(template):
    """Direct calls to the stage would skip the CDN's cache (every request a Lambda run) and its rules."""
    secret = {"Select": [2, {"Split": ["/", {"Ref": "AWS::StackId"}]}]}
    assert template["Parameters"]["DirectApiAccess"]["Default"] == "false"
    env = template["Resources"]["ImageFunction"]["Properties"]["Environment"]["Variables"]
    assert env["ORIGIN_VERIFY"] == {"If": ["OriginVerified", secret, ""]}
    origin = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["Origins"][0]
    header = origin["OriginCustomHeaders"]["If"][1][0]
    assert header == {"HeaderName": "X-Origin-Verify", "HeaderValue": secret}
    policy = template["Resources"]["ImageCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert "X-Origin-Verify" not in str(policy)  # a request header CloudFront adds, never part of the key
