#!/usr/bin/env bash
# make_certs DIR: a throwaway PKI for one test run.
#   ca.crt/ca.key              the CA etcd trusts (server, peer and client certs)
#   server.crt/server.key      etcd's serving + peer cert, SAN 127.0.0.1 and localhost
#   client.crt/client.key      a client cert signed by ca
#   other-ca.crt               a second CA, trusted by nobody
#   untrusted.crt/.key         a client cert signed by other-ca
#   expired.crt/.key           a client cert of ca that expired in 2020
#   expiring.crt/.key          a client cert of ca valid for 3 more days
# Sourced by tests: no shell options are changed outside make_certs.

make_certs() {
  local d=$1
  mkdir -p "$d"
  (
    set -euo pipefail
    cd "$d"
    local subj_ca="/CN=breakglass-test-ca" ossl="openssl"
    $ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 60 \
      -subj "$subj_ca" -keyout ca.key -out ca.crt 2>/dev/null
    $ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
      -subj "/CN=some-other-ca" -keyout other-ca.key -out other-ca.crt 2>/dev/null

    cat > server.ext <<'X'
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
X
    cat > client.ext <<'X'
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
X
    issue() { # name cn ca ext [days|expired]
      local name=$1 cn=$2 ca=$3 ext=$4 days=${5:-30}
      $ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" \
        -keyout "$name.key" -out "$name.csr" 2>/dev/null
      if [ "$days" = expired ]; then
        # Validity entirely in the past: only 'openssl ca' takes explicit dates.
        mkdir -p ca-db && : > ca-db/index.txt
        cat > ca-db/ca.cnf <<X
[ca]
default_ca=c
[c]
database=ca-db/index.txt
new_certs_dir=ca-db
serial=ca-db/serial
default_md=sha256
policy=p
unique_subject=no
[p]
commonName=supplied
X
        echo 01 > ca-db/serial
        $ossl ca -batch -config ca-db/ca.cnf -cert "$ca.crt" -keyfile "$ca.key" \
          -startdate 20200101000000Z -enddate 20200102000000Z -extfile "$ext" \
          -in "$name.csr" -out "$name.crt" -notext 2>/dev/null
        rm -rf ca-db
      else
        $ossl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial \
          -days "$days" -extfile "$ext" -out "$name.crt" 2>/dev/null
      fi
      rm -f "$name.csr"
      chmod 600 "$name.key"
    }
    issue server localhost ca server.ext
    issue client root ca client.ext
    issue untrusted intruder other-ca client.ext
    issue expired root ca client.ext expired
    issue expiring root ca client.ext 3
    chmod 600 ./*.key
  )
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then make_certs "$1"; fi
