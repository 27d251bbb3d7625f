/** The bare handler's whole job: answer an AdmissionReview with "allowed", touching nothing else. */
export function allowReview(body: unknown) {
  const review = body as { apiVersion: string; request: { uid: string } };
  return {
    apiVersion: review.apiVersion,
    kind: 'AdmissionReview',
    response: { uid: review.request.uid, allowed: true },
  };
}
