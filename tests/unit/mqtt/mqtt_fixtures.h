/* MQTT packets written by hand, byte by byte, from the MQTT 3.1.1 and 5.0
 * specifications, for mqtt_codec_test.c: each is what the encoder must
 * write for the packet described in its comments, and what the decoder
 * reads back. */
#ifndef SL_MQTT_FIXTURES_H
#define SL_MQTT_FIXTURES_H

#include <stdint.h>

static const uint8_t CONNECT_V3[] = {
	0x10, 0x19,                               /* CONNECT, remaining length 25 */
	0x00, 0x04, 'M', 'Q', 'T', 'T',           /* protocol name */
	0x04,                                     /* protocol level 4: 3.1.1 */
	0xC2,                                     /* user name, password, clean session */
	0x00, 0x3C,                               /* keep alive 60 s */
	0x00, 0x06, 's', 'l', 'u', 'i', 'c', 'e', /* client identifier */
	0x00, 0x01, 'u',                          /* user name */
	0x00, 0x02, 'p', 'w',                     /* password */
};

static const uint8_t CONNECT_V5[] = {
	0x10, 0x2E,                                  /* CONNECT, remaining length 46 */
	0x00, 0x04, 'M',  'Q',  'T',  'T',           /* protocol name */
	0x05,                                        /* protocol level 5 */
	0x02,                                        /* clean start */
	0x00, 0x1E,                                  /* keep alive 30 s */
	0x1B,                                        /* 27 bytes of properties: */
	0x11, 0x00, 0x00, 0x0E, 0x10,                /*   Session Expiry Interval 3600 */
	0x21, 0x00, 0x0A,                            /*   Receive Maximum 10 */
	0x27, 0x00, 0x10, 0x00, 0x00,                /*   Maximum Packet Size 1 MiB */
	0x26, 0x00, 0x03, 'a',  'p',  'p',           /*   User Property app= */
	0x00, 0x06, 's',  'l',  'u',  'i', 'c', 'e', /* sluice */
	0x00, 0x06, 's',  'l',  'u',  'i', 'c', 'e', /* client identifier */
};

static const uint8_t CONNECT_V3_WILL[] = {
	0x10, 0x16,                     /* CONNECT, remaining length 22 */
	0x00, 0x04, 'M', 'Q', 'T', 'T', /* protocol name */
	0x04,                           /* level 4 */
	0x2E,                           /* will retain, will QoS 1, will, clean session */
	0x00, 0x0A,                     /* keep alive 10 s */
	0x00, 0x01, 'c',                /* client identifier */
	0x00, 0x01, 'w',                /* will topic */
	0x00, 0x04, 'g', 'o', 'n', 'e', /* will payload */
};

static const uint8_t CONNECT_V5_WILL[] = {
	0x10, 0x1D,                               /* CONNECT, remaining length 29 */
	0x00, 0x04, 'M',  'Q',  'T',  'T',  0x05, /* protocol name, level 5 */
	0x2E, 0x00, 0x0A,                         /* flags as above, keep alive 10 s */
	0x00,                                     /* no properties */
	0x00, 0x01, 'c',                          /* client identifier */
	0x05, 0x18, 0x00, 0x00, 0x00, 0x05,       /* will properties: Will Delay Interval 5 */
	0x00, 0x01, 'w',                          /* will topic */
	0x00, 0x04, 'g',  'o',  'n',  'e',        /* will payload */
};

static const uint8_t CONNACK_V3[] = {0x20, 0x02, 0x01, 0x00}; /* session present, accepted */
static const uint8_t CONNACK_V3_REFUSED[] = {0x20, 0x02, 0x00, 0x05}; /* not authorized */

static const uint8_t CONNACK_V5[] = {
	0x20, 0x28,                                       /* CONNACK, remaining length 40 */
	0x00,                                             /* no session present */
	0x00,                                             /* Success */
	0x25,                                             /* 37 bytes of properties: */
	0x11, 0x00, 0x00, 0x00, 0x00,                     /*   Session Expiry Interval 0 */
	0x12, 0x00, 0x06, 'a',  'u',  't', 'o', '-', '1', /* Assigned Client Identifier */
	0x13, 0x00, 0x78,                                 /*   Server Keep Alive 120 */
	0x1F, 0x00, 0x02, 'o',  'k',                      /*   Reason String "ok" */
	0x21, 0x00, 0x14,                                 /*   Receive Maximum 20 */
	0x22, 0x00, 0x05,                                 /*   Topic Alias Maximum 5 */
	0x24, 0x01,                                       /*   Maximum QoS 1 */
	0x25, 0x00,                                       /*   Retain Available 0 */
	0x27, 0x00, 0x01, 0x00, 0x00,                     /*   Maximum Packet Size 65536 */
};
static const uint8_t CONNACK_V5_REFUSED[] = {0x20, 0x03, 0x00, 0x86, 0x00}; /* bad user/pass */

static const uint8_t PUBLISH_V3_Q0[] = {
	0x31, 0x07,                /* PUBLISH, QoS 0, retain; remaining length 7 */
	0x00, 0x03, 'a', '/', 'b', /* topic */
	'h',  'i',                 /* payload */
};
static const uint8_t PUBLISH_V3_Q1[] = {
	0x3A, 0x09,                /* PUBLISH, DUP, QoS 1 */
	0x00, 0x03, 'a', '/', 'b', /* topic */
	0x00, 0x0A,                /* packet identifier 10 */
	'h',  'i',
};
static const uint8_t PUBLISH_V3_Q2[] = {
	0x34, 0x07,                /* PUBLISH, QoS 2 */
	0x00, 0x03, 'a', '/', 'b', /* topic */
	0x00, 0x02,                /* packet identifier 2; empty payload */
};
static const uint8_t PUBLISH_V5_Q0[] = {
	0x30, 0x08,                /* PUBLISH, QoS 0 */
	0x00, 0x03, 'a', '/', 'b', /* topic */
	0x00,                      /* no properties */
	'h',  'i',
};
static const uint8_t PUBLISH_V5_Q1[] = {
	0x32, 0x11,                             /* PUBLISH, QoS 1, remaining length 17 */
	0x00, 0x03, 'a',  '/', 'b',             /* topic */
	0x00, 0x01,                             /* packet identifier 1 */
	0x07,                                   /* 7 bytes of properties: */
	0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', /* User Property k=v */
	'h',  'i',
};
static const uint8_t PUBLISH_V5_Q2[] = {
	0x34, 0x22,                   /* PUBLISH, QoS 2, remaining length 34 */
	0x00, 0x01, 't',              /* topic */
	0x12, 0x34,                   /* packet identifier 0x1234 */
	0x1B,                         /* 27 bytes of properties: */
	0x01, 0x01,                   /*   Payload Format Indicator: UTF-8 */
	0x02, 0x00, 0x00, 0x00, 0x3C, /*   Message Expiry Interval 60 */
	0x03, 0x00, 0x0A, 't',  'e',  'x',  't', '/', 'p', 'l', 'a', 'i', 'n', /* Content Type */
	0x26, 0x00, 0x01, 'k',  0x00, 0x01, 'v', /* User Property k=v */
	'x',                                     /* payload */
};

static const uint8_t PUBACK[] = {0x40, 0x02, 0x00, 0x07}; /* both versions: id 7, Success */
static const uint8_t PUBREC[] = {0x50, 0x02, 0x00, 0x07};
static const uint8_t PUBREL[] = {0x62, 0x02, 0x00, 0x07}; /* flags 0b0010 */
static const uint8_t PUBCOMP[] = {0x70, 0x02, 0x00, 0x07};
static const uint8_t PUBACK_V5_RC[] = {0x40, 0x03, 0x00, 0x07, 0x10}; /* No matching subscribers */
static const uint8_t PUBREL_V5_RC[] = {0x62, 0x03, 0x00, 0x07, 0x92}; /* id not found */
static const uint8_t PUBACK_V5_PROPS[] = {
	0x40, 0x09, 0x00, 0x07,           /* PUBACK, id 7 */
	0x87,                             /* Not authorized */
	0x05, 0x1F, 0x00, 0x02, 'n', 'o', /* Reason String "no" */
};

static const uint8_t SUBSCRIBE_V3[] = {
	0x82, 0x0E,                      /* SUBSCRIBE (flags 0b0010), remaining length 14 */
	0x00, 0x01,                      /* packet identifier 1 */
	0x00, 0x03, 'a', '/', '+', 0x01, /* a/+ at QoS 1 */
	0x00, 0x03, 'b', '/', '#', 0x02, /* b/# at QoS 2 */
};
static const uint8_t SUBSCRIBE_V5[] = {
	0x82, 0x0B,                 /* SUBSCRIBE, remaining length 11 */
	0x00, 0x02,                 /* packet identifier 2 */
	0x02, 0x0B, 0x07,           /* properties: Subscription Identifier 7 */
	0x00, 0x03, 'a',  '/', '+', /* a/+ with options 0x2D: */
	0x2D,                       /* QoS 1, no local, retain as published, handling 2 */
};
static const uint8_t SUBACK_V3[] = {0x90, 0x04, 0x00, 0x01, 0x01, 0x80}; /* QoS 1, failure */
static const uint8_t SUBACK_V5[] = {
	0x90, 0x05, 0x00, 0x02, /* SUBACK, id 2 */
	0x00,                   /* no properties */
	0x01, 0x8F,             /* Granted QoS 1, Topic Filter invalid */
};
static const uint8_t UNSUBSCRIBE_V3[] = {0xA2, 0x07, 0x00, 0x03, 0x00, 0x03, 'a', '/', '+'};
static const uint8_t UNSUBSCRIBE_V5[] = {0xA2, 0x08, 0x00, 0x03, 0x00, /* no properties */
					 0x00, 0x03, 'a',  '/',  '+'};
static const uint8_t UNSUBACK_V3[] = {0xB0, 0x02, 0x00, 0x03};
static const uint8_t UNSUBACK_V5[] = {0xB0, 0x04, 0x00, 0x03, 0x00, 0x11}; /* none existed */
static const uint8_t PINGREQ[] = {0xC0, 0x00};
static const uint8_t PINGRESP[] = {0xD0, 0x00};
static const uint8_t DISCONNECT[] = {0xE0, 0x00}; /* both versions: Normal disconnection */
static const uint8_t DISCONNECT_V5_RC[] = {0xE0, 0x01, 0x04}; /* with Will Message */
static const uint8_t DISCONNECT_V5_RS[] = {
	0xE0, 0x08, 0x8B,                      /* DISCONNECT, Server shutting down */
	0x06, 0x1F, 0x00, 0x03, 'b', 'y', 'e', /* Reason String "bye" */
};
static const uint8_t AUTH_V5[] = {
	0xF0, 0x06, 0x18,            /* AUTH, Continue authentication */
	0x04, 0x15, 0x00, 0x01, 'X', /* Authentication Method "X" */
};

#endif
