/* libFuzzer target of the transform chain (core/transform.c and
 * core/transforms/) on hostile records, as a source task runs it: key
 * and value bytes through the JSON converter, sl_transform_chain_apply,
 * and back to bytes through the converter. The input's first byte picks
 * the converters (bit 0: the key's schemas.enable, bit 1: the value's)
 * and one of the fixed connector configs below (bits 2-3); the second
 * byte is the key's length; then the key's bytes and the value's.
 *
 * The chains cover HoistField, InsertField, ReplaceField, Cast, Flatten,
 * ExtractField, MaskField, TimestampConverter, RegexRouter, Debezium's
 * ExtractNewRecordState and predicates. Besides never crashing, leaking
 * or hitting undefined behaviour, checked with abort(): a transform that
 * fails says why, a kept record has a topic, and what the converter
 * writes of a kept record parses again with the same converter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "transform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "key=value" lines of each connector config. */
static const char *const chains[][32] = {
	{
		/* a Debezium change event flattened, cleaned and routed */
		"transforms=unwrap,cast,rename,mask,ts,insert,route",
		"transforms.unwrap.type=io.debezium.transforms.ExtractNewRecordState",
		"transforms.unwrap.add.fields=op,table,lsn,source.ts_ms",
		"transforms.unwrap.delete.handling.mode=rewrite",
		"transforms.unwrap.drop.tombstones=false",
		"transforms.cast.type=org.apache.kafka.connect.transforms.Cast$Value",
		"transforms.cast.spec=id:int64,price:float64,flag:string,n:int8",
		"transforms.rename.type=ReplaceField$Value",
		"transforms.rename.renames=name:full_name,__op:op",
		"transforms.rename.exclude=secret",
		"transforms.mask.type=MaskField$Value",
		"transforms.mask.fields=card,full_name",
		"transforms.mask.replacement=****",
		"transforms.ts.type=TimestampConverter$Value",
		"transforms.ts.field=ts",
		"transforms.ts.target.type=string",
		"transforms.ts.format=yyyy-MM-dd'T'HH:mm:ss.SSSZ",
		"transforms.insert.type=InsertField$Value",
		"transforms.insert.topic.field=t",
		"transforms.insert.offset.field=o",
		"transforms.insert.timestamp.field=ts_ins",
		"transforms.insert.static.field=origin",
		"transforms.insert.static.value=fuzz",
		"transforms.route.type=RegexRouter",
		"transforms.route.regex=fz\\.public\\.(.*)",
		"transforms.route.replacement=routed.$1",
		NULL,
	},
	{
		/* values hoisted, flattened and picked apart */
		"transforms=hoist,flat,insert,pick,keyfield,route",
		"transforms.hoist.type=HoistField$Value",
		"transforms.hoist.field=v",
		"transforms.flat.type=Flatten$Value",
		"transforms.flat.delimiter=_",
		"transforms.insert.type=InsertField$Value",
		"transforms.insert.partition.field=p",
		"transforms.insert.static.field=s",
		"transforms.insert.static.value=x",
		"transforms.insert.predicate=notTombstone",
		"transforms.pick.type=ExtractField$Value",
		"transforms.pick.field=v_after_id",
		"transforms.pick.predicate=hasId",
		"transforms.pick.negate=true",
		"transforms.keyfield.type=ExtractField$Key",
		"transforms.keyfield.field=id",
		"transforms.route.type=RegexRouter",
		"transforms.route.regex=fz\\.(.*)\\.(orders)",
		"transforms.route.replacement=$2-$1",
		"predicates=notTombstone,hasId",
		"predicates.notTombstone.type=RecordIsTombstone",
		"predicates.hasId.type=TopicNameMatches",
		"predicates.hasId.pattern=fz\\..*\\.none",
		NULL,
	},
	{
		/* whole values cast and converted; keys hoisted */
		"transforms=flat,ts,cast,hoistkey,flatkey",
		"transforms.flat.type=Flatten$Value",
		"transforms.ts.type=TimestampConverter$Value",
		"transforms.ts.target.type=Timestamp",
		"transforms.ts.format=yyyy-MM-dd HH:mm:ss",
		"transforms.ts.field=created",
		"transforms.cast.type=Cast$Value",
		"transforms.cast.spec=created:string,amount:float32,ok:boolean,id:int16",
		"transforms.hoistkey.type=HoistField$Key",
		"transforms.hoistkey.field=k",
		"transforms.flatkey.type=Flatten$Key",
		"transforms.flatkey.delimiter=.",
		NULL,
	},
	{
		/* nested fields by path; keys cast and masked */
		"transforms=extract,mask,tsunix,castkey,insertkey,replace",
		"transforms.extract.type=ExtractField$Value",
		"transforms.extract.field=after",
		"transforms.extract.field.syntax.version=V2",
		"transforms.mask.type=MaskField$Value",
		"transforms.mask.fields=id,card,flag",
		"transforms.tsunix.type=TimestampConverter$Value",
		"transforms.tsunix.field=ts",
		"transforms.tsunix.target.type=unix",
		"transforms.tsunix.unix.precision=microseconds",
		"transforms.castkey.type=Cast$Key",
		"transforms.castkey.spec=string",
		"transforms.insertkey.type=InsertField$Key",
		"transforms.insertkey.topic.field=topic",
		"transforms.replace.type=ReplaceField$Value",
		"transforms.replace.include=id,card,ts,name",
		"transforms.replace.renames=id:ID",
		NULL,
	},
};

#define NCHAINS (sizeof(chains) / sizeof(chains[0]))

static void fail(const char *what, const char *err)
{
	fprintf(stderr, "transform_chain_fuzz: %s: %s\n", what, err);
	abort();
}

static sl_transform_chain_t *chain_of(size_t i)
{
	static sl_transform_chain_t *made[NCHAINS];
	sl_errlist_t errs = {0};
	bool failed = false;

	if (made[i])
		return made[i];
	sl_config_t *cfg = sl_config_new();
	sl_config_set(cfg, "name", "fz", NULL, 0);
	for (size_t l = 0; l < 32 && chains[i][l]; l++) {
		const char *eq = strchr(chains[i][l], '=');
		char *key = strndup(chains[i][l], (size_t)(eq - chains[i][l]));
		sl_config_set(cfg, key, eq + 1, NULL, 0);
		free(key);
	}
	made[i] = sl_transform_chain_new(cfg, &errs, &failed);
	if (!made[i])
		fail("chain", errs.count ? errs.items[0] : "no chain");
	sl_errlist_free(&errs);
	sl_config_free(cfg);
	return made[i];
}

/* The JSON converter for the key or the value, with or without schemas. */
static sl_converter_t *converter(bool is_key, bool schemas)
{
	static sl_converter_t *made[4];
	int i = is_key * 2 + schemas;
	char err[512] = "";

	if (!made[i]) {
		sl_config_t *props = sl_config_new();
		sl_config_set(props, "schemas.enable", schemas ? "true" : "false", NULL, 0);
		made[i] = sl_converter_new("json", is_key, props, err, sizeof(err));
		sl_config_free(props);
		if (!made[i])
			fail("converter", err);
	}
	return made[i];
}

/* Writes v with c and, when that works, parses the bytes again. */
static void write_back(sl_converter_t *c, const char *topic, const sl_value_t *v)
{
	sl_buf_t out = {0};
	sl_value_t again = {0};
	char err[512] = "";
	bool is_null = false;

	if (sl_converter_from_value(c, topic, v, &out, &is_null, err, sizeof(err)) != 0) {
		if (!err[0])
			fail("write", "a refusal without a message");
		goto out;
	}
	if (!is_null &&
	    sl_converter_to_value(c, topic, out.data, out.len, &again, err, sizeof(err)) != 0) {
		fprintf(stderr, "transform_chain_fuzz: written: %.*s\n", (int)out.len, out.data);
		fail("what the converter wrote of a kept record does not parse", err);
	}
out:
	sl_value_clear(&again);
	sl_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sl_converter_t *kc, *vc;
	sl_transform_chain_t *chain;
	size_t klen;
	uint8_t *key, *value;
	sl_record_t r;
	char err[1024] = "";

	if (size < 2)
		return 0;
	kc = converter(true, data[0] & 1);
	vc = converter(false, data[0] & 2);
	chain = chain_of((data[0] >> 2) % NCHAINS);
	klen = data[1] < size - 2 ? data[1] : size - 2;
	/* copies of exactly their size, as Kafka messages are */
	key = malloc(klen ? klen : 1);
	value = malloc(size - 2 - klen ? size - 2 - klen : 1);
	memcpy(key, data + 2, klen);
	memcpy(value, data + 2 + klen, size - 2 - klen);
	sl_record_init(&r);
	sl_record_set_topic(&r, "fz.public.orders");
	r.partition = 3;
	r.offset = 42;
	r.timestamp = 1764064800123;
	sl_record_add_header(&r, "trace", "abc", 3);
	if (sl_converter_to_value(kc, r.topic, klen ? key : NULL, klen, &r.key, err, sizeof(err)) !=
		    0 ||
	    sl_converter_to_value(vc, r.topic, size - 2 - klen ? value : NULL, size - 2 - klen,
				  &r.value, err, sizeof(err)) != 0)
		goto out;
	switch (sl_transform_chain_apply(chain, &r, err, sizeof(err))) {
	case SL_TX_ERROR:
		if (!err[0])
			fail("apply", "a failure without a reason");
		break;
	case SL_TX_DROP:
		break;
	case SL_TX_KEEP:
		if (!r.topic || !r.topic[0])
			fail("apply", "a kept record without a topic");
		write_back(kc, r.topic, &r.key);
		write_back(vc, r.topic, &r.value);
		break;
	}
out:
	sl_record_clear(&r);
	free(key);
	free(value);
	return 0;
}
