/**
 * Word pools the value generators draw from (names, streets, cities, e-mail hosts, items).
 * Each pool is split 70/15/15 into train/dev/test with a fixed seed, so held-out examples
 * also use names, streets and items the model never saw.
 */
import { makeRng } from './rng.ts';

export type Split = 'train' | 'dev' | 'test';
export const SPLITS: readonly Split[] = ['train', 'dev', 'test'];

const list = (s: string): string[] =>
  s
    .split(/[\n,]/)
    .map((x) => x.trim())
    .filter((x) => x !== '');

const RAW = {
  first: list(`james, john, robert, michael, william, david, richard, joseph, thomas, charles,
    christopher, daniel, matthew, anthony, mark, donald, steven, paul, andrew, joshua, kenneth,
    kevin, brian, george, timothy, ronald, edward, jason, jeffrey, ryan, jacob, gary, nicholas,
    eric, jonathan, stephen, larry, justin, scott, brandon, benjamin, samuel, gregory, alexander,
    frank, patrick, raymond, jack, dennis, jerry, tyler, aaron, jose, adam, nathan, henry, zachary,
    douglas, peter, kyle, noah, ethan, jeremy, walter, christian, keith, roger, terry, austin,
    sean, gerald, carl, harold, dylan, arthur, lawrence, jordan, jesse, bryan, billy, bruce,
    gabriel, joe, logan, alan, juan, albert, willie, elijah, wayne, randy, vincent, mason, roy,
    ralph, bobby, russell, bradley, philip, eugene, mary, patricia, jennifer, linda, elizabeth,
    barbara, susan, jessica, sarah, karen, lisa, nancy, betty, sandra, margaret, ashley, kimberly,
    emily, donna, michelle, carol, amanda, melissa, deborah, stephanie, dorothy, rebecca, sharon,
    laura, cynthia, amy, kathleen, angela, shirley, brenda, emma, anna, pamela, nicole, samantha,
    katherine, christine, helen, debra, rachel, carolyn, janet, maria, catherine, heather, diane,
    olivia, julie, joyce, victoria, ruth, virginia, lauren, kelly, christina, joan, evelyn,
    judith, andrea, hannah, megan, cheryl, jacqueline, martha, madison, teresa, gloria, sara,
    janice, ann, kathryn, abigail, sophia, frances, jean, alice, judy, isabella, julia, grace,
    amber, denise, danielle, marilyn, beverly, charlotte, natalie, theresa, diana, brittany,
    doris, kayla, alexis, lori, priya, wei, mohammed, fatima, ahmed, yuki, carlos, sofia, lucia,
    mateo, aisha, omar, chen, raj, anita, ivan, olga, pierre, hans, ingrid, kofi, amara`),
  last: list(`smith, johnson, williams, brown, jones, garcia, miller, davis, rodriguez, martinez,
    hernandez, lopez, gonzalez, wilson, anderson, thomas, taylor, moore, jackson, martin, lee,
    perez, thompson, white, harris, sanchez, clark, ramirez, lewis, robinson, walker, young,
    allen, king, wright, scott, torres, nguyen, hill, flores, green, adams, nelson, baker, hall,
    rivera, campbell, mitchell, carter, roberts, gomez, phillips, evans, turner, diaz, parker,
    cruz, edwards, collins, reyes, stewart, morris, morales, murphy, cook, rogers, gutierrez,
    ortiz, morgan, cooper, peterson, bailey, reed, kelly, howard, ramos, kim, cox, ward,
    richardson, watson, brooks, chavez, wood, james, bennett, gray, mendoza, ruiz, hughes, price,
    alvarez, castillo, sanders, patel, myers, long, ross, foster, jimenez, powell, jenkins,
    perry, russell, sullivan, bell, coleman, butler, henderson, barnes, gonzales, fisher,
    vasquez, simmons, romero, jordan, patterson, alexander, hamilton, graham, reynolds, griffin,
    wallace, moreno, west, cole, hayes, bryant, herrera, gibson, ellis, tran, medina, aguilar,
    stevens, murray, ford, castro, marshall, owens, harrison, fernandez, mcdonald, woods,
    washington, kennedy, wells, vargas, henry, chen, freeman, webb, tucker, guzman, burns,
    crawford, olson, simpson, porter, hunter, gordon, mendez, silva, shaw, snyder, mason, dixon,
    munoz, hunt, hicks, holmes, palmer, wagner, black, robertson, boyd, rose, stone, salazar,
    fox, warren, mills, meyer, rice, schmidt, garza, daniels, ferguson, nichols, stephens,
    soto, weaver, ryan, gardner, payne, grant, dunn, kowalski, nakamura, okafor, schneider,
    larsen, dubois, rossi, novak, yamamoto, singh, elliott, abbott, mcconnell, hoffmann`),
  street: list(`maple, oak, pine, cedar, elm, washington, lake, hill, main, park, walnut, spruce,
    sunset, highland, church, river, willow, meadow, forest, cherry, jefferson, lincoln, madison,
    jackson, franklin, adams, chestnut, hickory, magnolia, dogwood, birch, aspen, laurel,
    sycamore, poplar, juniper, cypress, redwood, sequoia, mulberry, orchard, valley, ridge,
    summit, prospect, pleasant, spring, mill, bridge, harbor, bay, ocean, beach, shore, canyon,
    mesa, prairie, garden, rose, lilac, ivy, fairview, greenwood, oakwood, lakeview, riverside,
    hillcrest, westwood, kingston, windsor, oxford, cambridge, dover, hampton, preston,
    martin luther king, cherry hill, old mill, fox run, deer creek, eagle rock, stone bridge,
    silver lake, green valley, royal oak, quail hollow, north star, college, university,
    broadway, market, commerce, industrial, railroad, depot, union, liberty, independence`),
  suffix: list(`street, avenue, road, drive, lane, boulevard, court, place, way, circle, parkway,
    terrace, trail`),
  city: list(`springfield, riverside, franklin, greenville, bristol, clinton, fairview, salem,
    madison, georgetown, arlington, ashland, burlington, manchester, milford, oxford, dayton,
    denver, austin, boston, seattle, portland, phoenix, chicago, atlanta, miami, houston, dallas,
    tampa, orlando, nashville, memphis, louisville, columbus, cleveland, detroit, pittsburgh,
    baltimore, richmond, raleigh, charlotte, omaha, tulsa, wichita, boise, spokane, tacoma,
    fresno, sacramento, oakland, san diego, san jose, los angeles, new york, new orleans,
    salt lake city, kansas city, las vegas, el paso, albuquerque, tucson, anchorage, honolulu,
    buffalo, rochester, syracuse, albany, hartford, providence, newark, jersey city, trenton`),
  state: list(`alabama, alaska, arizona, arkansas, california, colorado, connecticut, delaware,
    florida, georgia, hawaii, idaho, illinois, indiana, iowa, kansas, kentucky, louisiana, maine,
    maryland, massachusetts, michigan, minnesota, mississippi, missouri, montana, nebraska,
    nevada, new hampshire, new jersey, new mexico, new york, north carolina, north dakota, ohio,
    oklahoma, oregon, pennsylvania, rhode island, south carolina, south dakota, tennessee, texas,
    utah, vermont, virginia, washington, west virginia, wisconsin, wyoming`),
  company: list(`acme, globex, initech, umbrella, hooli, vandelay, stark, wayne, wonka, tyrell,
    cyberdyne, soylent, aperture, oscorp, dunder, prestige, sterling, pinnacle, summit,
    northwind, contoso, fabrikam, litware, adatum, tailspin, wingtip, proseware, lucerne,
    bluesky, redleaf, greenfield, brightpath, clearwater, ironwood, silverline, goldcrest,
    oakridge, maplewood, riverbend, stonegate, lakeside, hilltop, sunrise, moonlight, starfish,
    blackbird, bluejay, redwood, evergreen, keystone, landmark, horizon, frontier, heritage`),
  handle: list(`sunnyday, bluebird, skywalker, coolcat, happyfeet, moonbeam, starlight,
    rockstar, bookworm, daydreamer, nightowl, tigerlily, wildfire, snowflake, thunder, ranger,
    dragonfly, sweetpea, honeybee, stargazer, seashell, firefly, rainbow, pumpkin, cupcake,
    gamer, surfer, hiker, runner, biker, chef, artist, coder, golfer, angler, baker, dancer`),
  mailhost: list(`gmail dot com, gmail dot com, gmail dot com, yahoo dot com, hotmail dot com,
    outlook dot com, icloud dot com, aol dot com, comcast dot net, proton dot me, verizon dot net,
    live dot com, msn dot com, att dot net, me dot com, mail dot com`),
};

export type PoolName = keyof typeof RAW;

const splitPools = new Map<string, string[]>();
let splitSeed = 'fixed';

/**
 * Changes which templates, domains and pool entries are held out (default "fixed", the
 * shipped model's split). Used to check that the figures do not depend on one lucky split.
 */
export function setSplitSeed(seed: string): void {
  splitSeed = seed;
  splitPools.clear();
}

/** The current split seed. */
export function getSplitSeed(): string {
  return splitSeed;
}

const seedFor = (name: string) => (splitSeed === 'fixed' ? name : `${splitSeed}/${name}`);

/** The part of a word pool used by a split (70/15/15, fixed seed). */
export function pool(name: PoolName, split: Split): string[] {
  const key = `${name}/${split}`;
  const cached = splitPools.get(key);
  if (cached) return cached;
  const items = [...new Set(RAW[name])];
  const shuffled = makeRng(seedFor(`pool/${name}`)).shuffled(items);
  const nTest = Math.max(1, Math.round(items.length * 0.15));
  const nDev = Math.max(1, Math.round(items.length * 0.15));
  const parts: Record<Split, string[]> = {
    test: shuffled.slice(0, nTest),
    dev: shuffled.slice(nTest, nTest + nDev),
    train: shuffled.slice(nTest + nDev),
  };
  for (const s of SPLITS) splitPools.set(`${name}/${s}`, parts[s]);
  return parts[split];
}

/** Splits any list of strings 70/15/15 by a seeded shuffle (used for item lists). */
export function splitList(name: string, items: readonly string[], split: Split): string[] {
  const key = `list:${name}/${split}`;
  const cached = splitPools.get(key);
  if (cached) return cached;
  const shuffled = makeRng(seedFor(`list/${name}`)).shuffled([...new Set(items)]);
  const nTest = items.length >= 4 ? Math.max(1, Math.round(shuffled.length * 0.15)) : 0;
  const nDev = items.length >= 4 ? Math.max(1, Math.round(shuffled.length * 0.15)) : 0;
  const parts: Record<Split, string[]> = {
    test: shuffled.slice(0, nTest),
    dev: shuffled.slice(nTest, nTest + nDev),
    train: shuffled.slice(nTest + nDev),
  };
  for (const s of SPLITS)
    splitPools.set(`list:${name}/${s}`, parts[s].length > 0 ? parts[s] : shuffled);
  return splitPools.get(key)!;
}
