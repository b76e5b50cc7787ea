"""Made-up values that stand for what a user would hand over (a certificate, a domain), shared by the tests of a
construct alone and of the profiles that use it."""

# An existing ACM certificate of us-east-1: the load balancer (and so the prod profile) needs one.
CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
# A domain in a Route 53 hosted zone: the other way to give the load balancer a certificate.
DOMAIN, ZONE = "www.example.com", "Z0123456789ABCDEFGHIJ"
MIB = 1024 * 1024
