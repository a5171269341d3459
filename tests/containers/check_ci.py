#!/usr/bin/env python3
"""Structural checks of the CI definitions (.travis.yml, .github/workflows/ci.yml).

Both must build the test image and run the tests in it, build the three production images,
push them tagged with the commit SHA (and latest) in a step whose failure fails the build, and
deploy the SHA-tagged bundle to Elastic Beanstalk from main. Secrets must only be referenced.
Prints one line per check; exits 1 if any fails.  Usage: check_ci.py REPO_ROOT
"""
import re
import sys
from pathlib import Path

import yaml

IMAGES = {
    "fib-server": "server/Dockerfile",
    "fib-worker": "worker/Dockerfile",
    "fib-nginx": "deploy/nginx/Dockerfile",
}
failures = []


def check(ok, what):
    print(("ok    " if ok else "FAIL  ") + what)
    if not ok:
        failures.append(what)


def lines(value):
    """A Travis phase (string or list) as a list of command strings."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def any_line(commands, *patterns):
    return any(all(re.search(p, c) for p in patterns) for c in commands)


def no_literal_secrets(text, name):
    # AWS access key ids, private keys, and password-like keys with a literal value.
    check(not re.search(r"AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}", text), f"{name}: no AWS access key id")
    check("PRIVATE KEY" not in text, f"{name}: no private key")
    bad = []
    for m in re.finditer(r"^\s*([A-Za-z_-]*(?:password|secret|token|key)[A-Za-z_-]*)\s*:\s*(\S.*)$", text,
                         re.IGNORECASE | re.MULTILINE):
        key, value = m.group(1), m.group(2).strip()
        if value in ("read", "write", "none"):  # GitHub token permissions
            continue
        if not re.match(r"""^["']?(\$\{\{\s*(secrets|env|vars)\.|\$[A-Z_]+)""", value):
            bad.append(f"{key}: {value}")
    check(not bad, f"{name}: secret-like keys only reference secrets/variables {bad or ''}")


def travis(root):
    path = root / ".travis.yml"
    text = path.read_text()
    doc = yaml.safe_load(text)
    before = lines(doc.get("before_install")) + lines(doc.get("install")) + lines(doc.get("before_script"))
    script = lines(doc.get("script"))
    after = lines(doc.get("after_success")) + lines(doc.get("after_script")) + lines(doc.get("after_failure"))

    check(any_line(before + script, r"docker build", r"deploy/test\.Dockerfile"), "travis: builds the test image")
    check(any_line(script, r"docker run", r"fib-test"), "travis: runs the tests in the test image (script)")
    check(any_line(script, r"deploy/aws/fetch-rds-ca\.sh"), "travis: fetches the RDS CA bundle for the images")
    for image, dockerfile in IMAGES.items():
        check(any_line(script, r"docker build", re.escape(dockerfile), re.escape(image) + r":\$TRAVIS_COMMIT"),
              f"travis: builds {image} from {dockerfile} tagged with the SHA")
        check(any_line(script, r"docker push", re.escape(image) + r":\$TRAVIS_COMMIT"),
              f"travis: pushes {image}:$TRAVIS_COMMIT in script")
        check(any_line(script, r"docker push", re.escape(image) + r":latest"), f"travis: pushes {image}:latest in script")
    check(any_line(script, r"docker login", r"--password-stdin"), "travis: logs in with --password-stdin in script")
    check(not any_line(after, r"docker (push|login|build)"), "travis: nothing is pushed in after_success/after_script")
    check(any_line(script, r"deploy/aws/bundle\.sh", r"\$TRAVIS_COMMIT", r"deploy\.zip"),
          "travis: makes the Beanstalk bundle with the SHA tag")
    deploy = doc.get("deploy") or {}
    if isinstance(deploy, list):
        deploy = deploy[0] if deploy else {}
    check(deploy.get("provider") == "elasticbeanstalk", "travis: deploy provider elasticbeanstalk")
    check(deploy.get("zip_file") == "deploy.zip", "travis: deploys deploy.zip")
    # YAML 1.1 reads a bare `on` key as the boolean true.
    deploy_on = deploy.get("on", deploy.get(True)) or {}
    check(deploy_on.get("branch") == "main", "travis: deploys from main only")
    for key in ("access_key_id", "secret_access_key"):
        check(str(deploy.get(key, "")).startswith("$"), f"travis: {key} comes from the environment")
    no_literal_secrets(text, "travis")


def steps_text(job):
    return [yaml.safe_dump(s, width=1000) for s in job.get("steps", [])]


def github(root):
    path = root / ".github/workflows/ci.yml"
    text = path.read_text()
    doc = yaml.safe_load(text)
    on = doc.get("on", doc.get(True)) or {}
    check("push" in on and "main" in (on["push"] or {}).get("branches", []), "github: runs on pushes to main")
    check("pull_request" in on, "github: runs on pull requests")
    jobs = doc.get("jobs", {})

    test = jobs.get("test", {})
    ts = steps_text(test)
    check(any_line(ts, r"docker build", r"deploy/test\.Dockerfile"), "github: test job builds the test image")
    check(any_line(ts, r"docker run", r"fib-test"), "github: test job runs the tests in it")
    releases = [str(r) for r in ((test.get("strategy") or {}).get("matrix") or {}).get("release", [])]
    check(sorted(releases) == ["bookworm", "trixie"], "github: test job runs on Debian 12 and Debian 13")
    check(any_line(ts, r"docker build", r"DEBIAN_RELEASE=\$\{\{ *matrix\.release *\}\}"),
          "github: test image built for the matrix's release")

    images = jobs.get("images", {})
    check("test" in lines(images.get("needs")), "github: images job needs the test job")
    include = ((images.get("strategy") or {}).get("matrix") or {}).get("include", [])
    matrix = {e.get("image"): e.get("dockerfile") for e in include}
    check(matrix == IMAGES, f"github: image matrix is {IMAGES}")
    ims = steps_text(images)
    check(any_line(ims, r"docker/build-push-action", r"matrix\.dockerfile", r"\$\{\{ *github\.sha *\}\}", r":latest"),
          "github: build-push-action tags each image with github.sha and latest")
    check(any_line(ims, r"docker/build-push-action", r"push: .*refs/heads/main|push: .*PUBLISH"),
          "github: pushes only on main")
    check(any_line(ims, r"docker/login-action", r"secrets\.DOCKER_PASSWORD"), "github: registry login from secrets")
    check(any_line(ims, r"deploy/aws/fetch-rds-ca\.sh"), "github: fetches the RDS CA bundle for the images")

    deploy = jobs.get("deploy", {})
    check("images" in lines(deploy.get("needs")), "github: deploy job needs the images job")
    check("refs/heads/main" in str(deploy.get("if", "")), "github: deploys from main only")
    check((deploy.get("permissions") or {}).get("id-token") == "write", "github: deploy has id-token: write (OIDC)")
    ds = steps_text(deploy)
    check(any_line(ds, r"aws-actions/configure-aws-credentials", r"role-to-assume"),
          "github: AWS credentials by OIDC role")
    check(not any_line(ds, r"aws-access-key-id"), "github: no stored AWS keys")
    check(any_line(ds, r"deploy/aws/bundle\.sh", r"github\.sha"), "github: bundle with the SHA tag")
    check(any_line(ds, r"einaregilsson/beanstalk-deploy", r"deployment_package: deploy\.zip", r"aws_session_token"),
          "github: beanstalk-deploy with the session token")

    desktop = jobs.get("desktop", {})
    matrix = (desktop.get("strategy") or {}).get("matrix") or {}
    oses = " ".join([str(o) for o in matrix.get("os", [])] + [str(e.get("os")) for e in matrix.get("include", [])])
    for system in ("ubuntu", "windows", "macos"):
        check(system in oses, f"github: desktop builds on {system}")
    dst = steps_text(desktop)
    for tool in ("cpack", "windeployqt", "macdeployqt", "actions/upload-artifact", "ctest"):
        check(any_line(dst, re.escape(tool)), f"github: desktop job uses {tool}")
    no_literal_secrets(text, "github")


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    travis(root)
    github(root)
    if failures:
        print(f"{len(failures)} CI check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
