<?php
// A digest pull consumer: lease rendered deliveries, send each with your own mailer, ack or nack it.
// DIGEST_URL=http://digest:8080 DIGEST_API_TOKEN=... php examples/pull-consumer.php  (transport `mailer: { kind: pull }`)
$base = getenv('DIGEST_URL') ?: 'http://127.0.0.1:8080';
function post(string $url, array $body = []): array {
    $http = ['method' => 'POST', 'ignore_errors' => true, 'content' => json_encode((object) $body),
        'header' => "Authorization: Bearer " . getenv('DIGEST_API_TOKEN') . "\r\nContent-Type: application/json"];
    return json_decode(file_get_contents($url, false, stream_context_create(['http' => $http])), true) ?? [];
}
while (true) {
    $lease = post("$base/v1/pull/mailer/lease?max=10&visibility=60s");   // held by us alone for 60 s
    if (empty($lease['deliveries'])) { sleep(1); continue; }
    foreach ($lease['deliveries'] as $d) {
        // Your own mailer here; keep digest's Message-ID so a receiver can drop a duplicate.
        $headers = ['Content-Type' => 'text/plain; charset=utf-8'] + $d['headers'];
        $sent = mail($d['to'], $d['subject'] ?? '', $d['text'] ?? '', $headers);
        $verb = $sent ? 'ack' : 'nack';              // nack: retried after a backoff, dead after maxAttempts
        post("$base/v1/pull/deliveries/{$d['id']}/$verb", ['leaseToken' => $d['leaseToken'], 'reason' => 'mail() failed']);
    }
}
