export async function handler (event) {
  console.log('disconnect', event.requestContext.connectionId)
  return { statusCode: 200 }
}
