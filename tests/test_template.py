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
    assert glob["Runtime"] == "python3.13" and glob["Architectures"] == ["arm64"]
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


def test_layers_match_the_function(template):
    for layer in resources(template, "AWS::Serverless::LayerVersion").values():
        assert layer["Properties"]["CompatibleRuntimes"] == ["python3.13"]
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    layer = template["Resources"]["ImagingLayer"]
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}
    makefile = (ROOT / "layers/imaging/Makefile").read_text() + (ROOT / "layers/wheels.mk").read_text()  # included
    assert "manylinux_2_28_aarch64" in makefile and "manylinux2014_aarch64" in makefile
    assert "--python-version 3.13" in makefile and "--only-binary=:all:" in makefile
    assert "--no-deps -r requirements-no-deps.txt" in makefile
    for built in (makefile, (ROOT / "function/Makefile").read_text()):  # bytecode for the read-only runtime
        assert "compileall" in built and "--invalidation-mode unchecked-hash" in built


def test_every_parameter_is_described_and_choices_are_closed(template):
    for name, parameter in template["Parameters"].items():
        assert parameter.get("Description"), name
    for name in ("AutoFormat", "OversizeRedirects", "PriceClass"):
        assert template["Parameters"][name]["AllowedValues"], name


def test_auto_format_normalises_accept_at_the_edge(template):
    function = template["Resources"]["ViewerRequest"]
    assert function["Condition"] == "HasViewerFunction"
    assert "KeyOnAccept" in template["Conditions"]["HasViewerFunction"]["Or"][0]["Condition"]
    assert "image/avif" in function["Properties"]["FunctionCode"]["Sub"][0]
    behaviour = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behaviour["FunctionAssociations"]["If"][0] == "HasViewerFunction"
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


def test_the_emulated_runtime_stacks_the_layers_in_the_templates_order(template):
    """Lambda extracts the layers into /opt in the function's order (a later one's files win);
    `make arm64-test` merges them in the order layer_check names them."""
    from devtools.layer_check import LAYERS

    listed = template["Resources"]["ImageFunction"]["Properties"]["Layers"]
    names = [entry["Ref"] if "Ref" in entry else entry["If"][1]["Ref"] for entry in listed]
    assert tuple(names) == LAYERS


def test_layer_requirements_are_exact_pins():
    text = (ROOT / "layers/imaging/requirements.txt").read_text()
    pins = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert pins and all("==" in line for line in pins)
    assert not (ROOT / "function/requirements.txt").exists()  # SAM would bundle the deps twice


def test_rest_api_is_regional_binary_with_reads_saveas_and_the_style_api(template):
    api = template["Resources"]["ImageApi"]["Properties"]
    assert api["EndpointConfiguration"] == {"Type": "REGIONAL"}
    assert api["BinaryMediaTypes"] == ["*/*"]
    assert "Cors" not in api  # */* breaks API Gateway's own CORS preflight
    events = template["Resources"]["ImageFunction"]["Properties"]["Events"].values()
    routes = {(e["Properties"]["Path"], e["Properties"]["Method"]) for e in events if e["Type"] == "Api"}
    assert routes == {
        ("/{proxy+}", "GET"),
        ("/{proxy+}", "HEAD"),
        ("/{proxy+}", "POST"),  # sys/saveas
        ("/", "GET"),  # the style API lives on the bucket
        ("/", "PUT"),
        ("/", "DELETE"),
    }


def test_access_is_least_privilege_for_the_enabled_features(template):
    """Read-only unless SaveAs or StyleApi grants a write, on exactly what it writes."""
    policies = template["Resources"]["ImageFunction"]["Properties"]["Policies"]
    assert policies[0] == {"S3ReadPolicy": {"BucketName": {"Ref": "SourceBucketName"}}}
    condition, statement, _ = policies[1]["If"]
    assert condition == "SignedUrls" and statement["Statement"][0]["Action"] == "ssm:GetParameter"
    condition, results, _ = policies[2]["If"]  # read, write, list: see test_derivatives_are_kept_...
    assert condition == "HasOutputBucket" and len(results["Statement"]) == 2
    condition, statement, _ = policies[3]["If"]
    (grant,) = statement["Statement"]
    assert condition == "OssSigned" and grant["Action"] == "ssm:GetParameter"
    assert "${OssAccessKeysParameter}" in grant["Resource"]["Sub"]
    condition, statement, _ = policies[4]["If"]
    (grant,) = statement["Statement"]
    assert condition == "SavesAs" and grant["Action"] == "s3:PutObject"
    to_target, source_only = grant["Resource"]["If"][1:]
    assert [r["Sub"] for r in source_only] == ["arn:${AWS::Partition}:s3:::${SourceBucketName}/*"]
    assert [r["Sub"] for r in to_target][1] == "arn:${AWS::Partition}:s3:::${SaveAsTargetBucket}/*"
    condition, statement, _ = policies[5]["If"]
    (grant,) = statement["Statement"]
    assert condition == "WritesStyles" and grant["Action"] == ["s3:PutObject", "s3:DeleteObject"]
    assert grant["Resource"]["Sub"].endswith("${SourceBucketName}/_styles/*")
    assert len(policies) == 6
    assert template["Parameters"]["SaveAs"]["Default"] == "false"
    assert template["Parameters"]["StyleApi"]["Default"] == "false"


def test_the_output_bucket_is_private_and_expires(template):
    bucket = template["Resources"]["OutputBucket"]
    assert bucket["Condition"] == "HasOutputBucket"
    assert all(bucket["Properties"]["PublicAccessBlockConfiguration"].values())
    (rule,) = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] == {"Ref": "OutputRetentionDays"}


def test_cdn_cache_key_is_the_process_string_unless_signatures_are_on(template):
    (policy,) = resources(template, "AWS::CloudFront::CachePolicy").values()
    config = policy["Properties"]["CachePolicyConfig"]
    assert config["MinTTL"] == 0  # no-store is honoured
    params = config["ParametersInCacheKeyAndForwardedToOrigin"]
    assert params["QueryStringsConfig"] == {
        "If": [  # signed: all parameters, the viewer function reduces unsigned requests to x-oss-process
            "AnySigned",
            {"QueryStringBehavior": "all"},
            {"QueryStringBehavior": "whitelist", "QueryStrings": ["x-oss-process"]},
        ]
    }
    assert template["Conditions"]["AnySigned"] == {"Or": [{"Condition": "SignedUrls"}, {"Condition": "OssSigned"}]}
    assert {"Condition": "AnySigned"} in template["Conditions"]["HasViewerFunction"]["Or"]
    assert params["CookiesConfig"] == {"CookieBehavior": "none"}
    condition, signed, unsigned = params["HeadersConfig"]["If"]
    assert condition == "OssSigned"
    with_accept, without = signed["Headers"]["If"][1:]
    assert with_accept == ["Authorization", "Date", "x-oss-date", "x-oss-content-sha256", "Accept"]
    assert without == ["Authorization", "Date", "x-oss-date", "x-oss-content-sha256"]
    assert unsigned == {  # Accept only with auto-format, normalised by the CloudFront Function
        "If": ["KeyOnAccept", {"HeaderBehavior": "whitelist", "Headers": ["Accept"]}, {"HeaderBehavior": "none"}]
    }
    assert not params["EnableAcceptEncodingGzip"] and not params["EnableAcceptEncodingBrotli"]
    (dist,) = resources(template, "AWS::CloudFront::Distribution").values()
    behaviour = dist["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behaviour["CachedMethods"] == ["GET", "HEAD"] and "POST" in behaviour["AllowedMethods"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    forwarding = {"If": ["OssSigned", {"Ref": "BodyHeadersPolicy"}, {"Ref": "AWS::NoValue"}]}
    assert behaviour["OriginRequestPolicyId"] == forwarding
    forwarded = template["Resources"]["BodyHeadersPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    assert forwarded["HeadersConfig"]["Headers"] == ["Content-Type", "Content-MD5"]


def test_cfn_lint_passes():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--non-zero-exit-code", "error", str(ROOT / "template.yaml")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_layer_check_reads_elf_machines_and_pins():
    import PIL

    from devtools.layer_check import SYSTEM_VERSIONS, elf_machine, newest_needed, pins

    local = next(Path(PIL.__file__).parent.glob("_imaging*.so"))
    assert elf_machine(local) in (0x3E, 0xB7)  # this machine's own build: x86-64 or aarch64
    assert (2, 2) < newest_needed(local)["GLIBC"] <= SYSTEM_VERSIONS["GLIBC"]  # a manylinux wheel asks little
    assert elf_machine(ROOT / "README.md") is None
    assert pins(ROOT / "layers/imaging/requirements.txt")["pillow"] == "13.0.0"


def test_the_api_answers_only_cloudfront_unless_direct_access_is_allowed(template):
    """Direct calls to the stage would skip the CDN's cache (every request a Lambda run) and its rules."""
    secret = {"Select": [2, {"Split": ["/", {"Ref": "AWS::StackId"}]}]}
    assert template["Parameters"]["DirectApiAccess"]["Default"] == "false"
    env = template["Resources"]["ImageFunction"]["Properties"]["Environment"]["Variables"]
    assert env["ORIGIN_VERIFY"] == secret  # always: the function knows what the CDN already checked
    assert env["DIRECT_ACCESS"] == {"Ref": "DirectApiAccess"}
    origin = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]["Origins"][0]
    assert origin["OriginCustomHeaders"] == [{"HeaderName": "X-Origin-Verify", "HeaderValue": secret}]
    policy = template["Resources"]["ImageCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert "X-Origin-Verify" not in str(policy)  # a request header CloudFront adds, never part of the key


def test_every_oss_setting_reaches_the_function(template):
    env = template["Resources"]["ImageFunction"]["Properties"]["Environment"]["Variables"]
    for variable, parameter in {
        "OSS_ACCESS_KEYS_PARAMETER": "OssAccessKeysParameter",
        "OSS_BUCKET": "OssBucketName",
        "SOURCE_ACL": "SourceAcl",
        "PROTECTED_SUFFIXES": "ProtectedSuffixes",
        "REFERER_ALLOW": "RefererAllow",
        "REFERER_DENY": "RefererDeny",
        "REFERER_ALLOW_EMPTY": "RefererAllowEmpty",
        "REFERER_TRUNCATE_QUERY": "RefererTruncateQuery",
        "SAVEAS": "SaveAs",
        "STYLE_API": "StyleApi",
    }.items():
        assert env[variable] == {"Ref": parameter}, variable
    assert env["SAVEAS_BUCKETS"]["If"][0] == "SavesToTarget"


def test_derivatives_are_kept_by_default_with_the_least_grant(template):
    """StoreDerivativesMs (the README's cost measurement chose 200 ms) keeps the output bucket on
    its own; the function may read, write and list it, nothing more (no deletes, no ACLs)."""
    parameter = template["Parameters"]["StoreDerivativesMs"]
    assert parameter["Default"] == 200 and parameter["MinValue"] == -1
    assert "StoresDerivatives" in str(template["Conditions"]["HasOutputBucket"])
    variables = template["Resources"]["ImageFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["STORE_DERIVATIVES_MS"] == {"Ref": "StoreDerivativesMs"}
    policies = template["Resources"]["ImageFunction"]["Properties"]["Policies"]
    (grant,) = [p["If"][1] for p in policies if isinstance(p, dict) and p.get("If", [None])[0] == "HasOutputBucket"]
    actions = sorted(a for statement in grant["Statement"] for a in _listed(statement["Action"]))
    assert actions == ["s3:GetObject", "s3:ListBucket", "s3:PutObject"]


def _listed(action):
    return action if isinstance(action, list) else [action]
