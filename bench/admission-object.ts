// The PostgresDB that bench/admission sends, and the minimal AdmissionReview built around it.
export const benchmarkObject = {
  apiVersion: 'stow.dev/v1beta1',
  kind: 'PostgresDB',
  metadata: { name: 'orders', namespace: 'payments', labels: { team: 'payments' } },
  spec: {
    instanceClass: 'db.m6g.large',
    storage: { type: 'gp3', sizeGiB: 500, iops: 12000, throughputMiBps: 500, maxSizeGiB: 1000 },
    backup: { retentionDays: 14, window: '03:00-04:00' },
    maintenanceWindow: 'sun:05:00-sun:06:00',
    tags: { team: 'payments', env: 'prod' },
  },
};

/** Only the fields Stow reads; the API server sends more (bench/fixtures/admission-review-create.json). */
export const minimalReview = {
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
    kind: { group: 'stow.dev', version: 'v1beta1', kind: 'PostgresDB' },
    requestKind: { group: 'stow.dev', version: 'v1beta1', kind: 'PostgresDB' },
    operation: 'CREATE',
    namespace: 'payments',
    name: 'orders',
    object: benchmarkObject,
  },
};
