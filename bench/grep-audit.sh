#!/usr/bin/env bash
# The seed's statelessness audit (seed 003, "audit-statelessness.sh"), extended with line numbers (-n)
# so its output is comparable to statelint's. Run from the project root.
echo "Checking for stateful patterns..."
grep -n "SESSION_DRIVER=file" .env && echo "Sessions in files! Use Redis."
grep -n "CACHE_DRIVER=file" .env && echo "Cache in files! Use Redis."
grep -n "FILESYSTEM_DRIVER=local" .env && echo "Files on local disk! Use S3."
grep -rn "env(" --include="*.php" --exclude-dir=vendor \
  --exclude-dir=config . | grep -v "config/" && \
  echo "env() found outside config/! Use config()."
grep -rn "storage/app/public" --include="*.php" --exclude-dir=vendor . && \
  echo "Hardcoded storage path! Use Storage facade."
echo "Audit complete."
