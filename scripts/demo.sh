#!/usr/bin/env bash
# The Accord demo, run by 'make demo' with the project's virtualenv first on PATH.
# Generates a synthetic population, then ingests each organisation's legacy extract into
# its own node workspace on the embedded default store, and shows what was read,
# standardised and quarantined per field; then links the GP and hospital extracts in
# private mode and scores the links against the truth; finally the GP and the hospital
# draft, sign and activate a data sharing agreement and the GP node decides two requests.
set -euo pipefail

OUT="${DEMO_OUT:-demo-output}"
PEOPLE="${DEMO_PEOPLE:-5000}"
SEED="${DEMO_SEED:-2026}"

rm -rf "$OUT"
mkdir -p "$OUT"
echo "== 1. A synthetic UK population of $PEOPLE people and three organisations' extracts"
accord generate gp-hospital-council --people "$PEOPLE" --seed "$SEED" --out "$OUT/extracts"

ingest() {  # org source dataset
  local org=$1 src=$2 dataset=$3
  echo
  echo "== $org: a node workspace, then ingest $(basename "$src")"
  accord init "$OUT/nodes/$org" --node-name "$org" >/dev/null
  accord ingest "$src" --mapping "$OUT/extracts/$org.mapping.yaml" --dataset "$dataset" \
    --workspace "$OUT/nodes/$org"
}

echo
echo "== 2. Each organisation ingests its own extract into its own node"
ingest gp "$OUT/extracts/gp.csv" registered-patients
ingest hospital "$OUT/extracts/hospital.xlsx" admissions
ingest council "$OUT/extracts/council.sqlite" residents

echo
echo "== 3. What the GP node quarantined, and its standardised records"
accord quarantine registered-patients --limit 5 --workspace "$OUT/nodes/gp"
accord export registered-patients --out "$OUT/gp-standardised.csv" --workspace "$OUT/nodes/gp"
head -n 4 "$OUT/gp-standardised.csv"

echo
echo "== 4. Privacy-preserving linkage of the GP and hospital extracts"
echo "   (the providers share a secret; the linking party sees only keyed encodings)"
head -c 32 /dev/urandom > "$OUT/linkage.secret"
accord link "$OUT/extracts/gp.csv" "$OUT/extracts/hospital.xlsx" \
  --left-mapping "$OUT/extracts/gp.mapping.yaml" \
  --right-mapping "$OUT/extracts/hospital.mapping.yaml" \
  --mode private --secret-file "$OUT/linkage.secret" --out "$OUT/gp-hospital-pairs.csv" \
  --ids "$OUT/linkage-ids" --report "$OUT/linkage-report"
echo "   Against the scenario's truth:"
accord evaluate "$OUT/gp-hospital-pairs.csv" --truth "$OUT/extracts/truth.csv" \
  --left gp --right hospital

echo
echo "== 5. A data sharing agreement for the GP + hospital admission-risk work"
AGR="$OUT/agreements/admission-risk.yaml"
KEYS=(--key "gp=$OUT/nodes/gp/keys/node.pub" --key "hospital=$OUT/nodes/hospital/keys/node.pub")
echo "   The GP's information governance lead drafts it from the worked example and checks it:"
accord agreement new "$AGR"
accord agreement validate "$AGR"
echo "   Each organisation signs it with its node's key (Ed25519 over RFC 8785 JSON):"
accord agreement sign "$AGR" --workspace "$OUT/nodes/gp"
accord agreement sign "$AGR" --workspace "$OUT/nodes/hospital"
echo "   Anyone can verify it offline with the two public keys:"
accord agreement verify "$AGR" "${KEYS[@]}"
echo "   Both nodes activate it:"
accord agreement activate "$AGR" --workspace "$OUT/nodes/gp" "${KEYS[@]}"
accord agreement activate "$AGR" --workspace "$OUT/nodes/hospital" "${KEYS[@]}"
echo "   The hospital asks the GP for pseudonymised patients to score (a Silver dataset):"
accord agreement decide --workspace "$OUT/nodes/gp" --requester hospital \
  --purpose admission-risk-stratification --dataset registered-patients \
  --fields nhs_number,date_of_birth,sex,long_term_conditions --kitemark silver --rows 4200
echo "   ... and then for ethnicity too, for another purpose (denied, with the reasons):"
accord agreement decide --workspace "$OUT/nodes/gp" --requester hospital \
  --purpose service-planning --dataset registered-patients \
  --fields nhs_number,ethnicity --kitemark silver --rows 4200 || true
accord agreement register --format html --out "$OUT/agreements/register.html" \
  --workspace "$OUT/nodes/gp"
accord agreement export gp-hospital-admission-risk --format odrl \
  --out "$OUT/agreements/admission-risk.odrl.jsonld" --workspace "$OUT/nodes/gp"

echo
echo "Demo finished: workspaces in $OUT/nodes, extracts and truth in $OUT/extracts,"
echo "linked pairs in $OUT/gp-hospital-pairs.csv (how linkage works: docs/linkage.md),"
echo "the signed agreement, its public register and ODRL in $OUT/agreements (docs/agreements.md)."
